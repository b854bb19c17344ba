@ Fault escalation (ARMv7-M B1.5.14, B1.5.15): UDF with UsageFault
@ disabled is a HardFault (HFSR.FORCED); enabled, a UsageFault; raised in
@ the SVCall handler at priority 0 with UsageFault at 0x80, it cannot
@ preempt and escalates to HardFault; a fault in the HardFault handler
@ locks the core up. Handlers log their exception number and step over
@ the UDF; LOG[15] set makes the HardFault handler fault itself.
        .include "common.inc"
        vectors hardfault=hardfault, usagefault=usagefault, svc=svc
        .thumb_func
start:  udf #1                       @ HardFault
        ldr r0, =SHCSR
        ldr r1, [r0]
        orr r1, r1, #(1 << 18)
        str r1, [r0]                 @ USGFAULTENA
        udf #2                       @ UsageFault
        ldr r0, =SHPR1
        ldr r1, =0x00800000          @ UsageFault at 0x80
        str r1, [r0]
        svc #0                       @ SVCall: its UDF escalates
        ldr r4, =LOG
        movs r1, #1
        str r1, [r4, #60]
        ldr r0, =SHCSR
        movs r1, #0
        str r1, [r0]
        udf #4                       @ HardFault, which faults: lockup
done:   b done
        .thumb_func
svc:    push {lr}
        mrs r0, ipsr
        bl logv
        udf #3
        pop {pc}
        .thumb_func
usagefault:
        ldr r1, [sp, #24]
        adds r1, #2
        str r1, [sp, #24]
        push {lr}
        mrs r0, ipsr
        bl logv
        pop {pc}
        .thumb_func
hardfault:
        ldr r1, [sp, #24]
        adds r1, #2
        str r1, [sp, #24]
        ldr r2, =LOG
        ldr r1, [r2, #60]
        cmp r1, #0
        beq 1f
        udf #5
1:      push {lr}
        mrs r0, ipsr
        bl logv
        pop {pc}
        .ltorg
        logv_fn
