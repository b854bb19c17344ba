@ Preemption by group priority and BASEPRI (ARMv7-M B1.5.4): IRQ 0 at
@ 0x80 pends IRQ 1 at 0x40, which preempts it; BASEPRI 0x40 holds IRQ 1
@ off until it is lowered; at equal priority IRQ 1 waits for IRQ 0 to
@ return (tail-chained). Handlers log their number; IRQ 0 logs 0x110 on
@ leaving, Thread code logs 0xB0.. markers.
        .include "common.inc"
        vectors irq0=irq0, irq1=irq1
        .thumb_func
start:  ldr r0, =IPR0
        ldr r1, =0x00004080          @ IRQ 0: 0x80, IRQ 1: 0x40
        str r1, [r0]
        ldr r0, =ISER0
        movs r1, #3
        str r1, [r0]
        ldr r5, =ISPR0
        movs r1, #1
        str r1, [r5]                 @ IRQ 0: logs 16, 17, 0x110
        isb
        movs r0, #0xB0
        bl logv
        movs r1, #0x40
        msr basepri, r1
        movs r1, #2
        str r1, [r5]                 @ IRQ 1 pending, masked by BASEPRI
        isb
        movs r0, #0xB1
        bl logv
        movs r1, #0
        msr basepri, r1              @ IRQ 1 runs: 17
        isb
        movs r0, #0xB2
        bl logv
        ldr r0, =IPR0
        ldr r1, =0x00008080          @ equal priorities
        str r1, [r0]
        movs r1, #1
        str r1, [r5]                 @ IRQ 0: logs 16, 0x110, 17
        isb
        movs r0, #0xB3
        bl logv
done:   b done
        .thumb_func
irq0:   push {lr}
        movs r0, #16
        bl logv
        ldr r0, =ISPR0
        movs r1, #2
        str r1, [r0]                 @ pend IRQ 1
        isb
        ldr r0, =0x110
        bl logv
        pop {pc}
        .thumb_func
irq1:   push {lr}
        movs r0, #17
        bl logv
        pop {pc}
        .ltorg
        logv_fn
