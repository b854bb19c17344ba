@ FAULTMASK (ARMv7-M B1.4.3): execution priority -1 holds PendSV off until
@ CPSIE f; a fault with FAULTMASK set cannot be taken at all: lockup.
        .include "common.inc"
        vectors pendsv=pendsv, hardfault=hardfault
        .thumb_func
start:  cpsid f
        ldr r0, =ICSR
        mov r1, #(1 << 28)
        str r1, [r0]                 @ PendSV pending, held off
        dsb
        isb
        nop
        ldr r4, =LOG
        ldr r3, [r4, #32]
        str r3, [r4, #4]             @ LOG[1]: PendSV runs while masked (0)
        cpsie f
        isb
        nop
        ldr r3, [r4, #32]
        str r3, [r4, #8]             @ LOG[2]: after CPSIE f (1)
        cpsid f
        udf #3                       @ lockup
done:   b done
        .thumb_func
pendsv: ldr r2, =LOG
        ldr r1, [r2, #32]
        adds r1, #1
        str r1, [r2, #32]
        bx lr
        .thumb_func
hardfault:
        b hardfault
        .ltorg
        logv_fn
