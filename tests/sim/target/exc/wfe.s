@ WFE and the event register (ARMv7-M B1.5.18, ARMv6-M B1.5.19): SEV sets
@ it and the next WFE only clears it; a WFE with it clear sleeps until an
@ exception (PendSV pended by the debugger) wakes it, whose return sets it
@ again; with SCR.SEVONPEND an interrupt that becomes pending, even a
@ disabled one, wakes WFE. R4 counts the steps, kept in LOG[1].
        .include "common.inc"
        vectors pendsv=pendsv
        .thumb_func
start:  movs r4, #0
        ldr r6, =LOG + 4
        sev
        wfe                          @ returns at once
        adds r4, #1                  @ 1
        str r4, [r6]
        wfe                          @ sleeps until PendSV
        adds r4, #1                  @ 2
        str r4, [r6]
        wfe                          @ the exception return set the event
        adds r4, #1                  @ 3
        str r4, [r6]
        ldr r0, =SCR
        movs r1, #0x10
        str r1, [r0]                 @ SEVONPEND
        wfe                          @ sleeps until IRQ 0 becomes pending
        adds r4, #1                  @ 4
        str r4, [r6]
done:   b done
        .thumb_func
pendsv: movs r0, #14
        ldr r2, =LOG
        str r0, [r2]
        bx lr
        .ltorg
        logv_fn
