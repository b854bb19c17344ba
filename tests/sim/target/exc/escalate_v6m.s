@ ARMv6-M (B1.5.15): every fault is a HardFault; a fault in the HardFault
@ handler locks the core up; an SVC with execution priority at SVCall's
@ or higher is a HardFault too. Handlers log their exception number.
        .include "common.inc"
        vectors hardfault=hardfault, svc=svc
        .thumb_func
start:  udf #1                       @ HardFault
        svc #0                       @ SVCall, whose SVC escalates
        ldr r2, =LOG
        movs r1, #1
        str r1, [r2, #60]
        udf #4                       @ HardFault, which faults: lockup
done:   b done
        .thumb_func
svc:    push {lr}
        mrs r0, ipsr
        bl logv
        svc #1                       @ HardFault: SVCall cannot preempt itself
        nop                          @ the HardFault handler steps over it
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
