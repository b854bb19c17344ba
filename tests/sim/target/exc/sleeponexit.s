@ SCR.SLEEPONEXIT: after a handler returns to Thread mode the core sleeps
@ again without running Thread code: SysTick counts in LOG, R5 stays 0.
        .include "common.inc"
        vectors systick=systick
        .thumb_func
start:  ldr r0, =SCR
        movs r1, #2
        str r1, [r0]                 @ SLEEPONEXIT
        ldr r0, =SYST_CSR
        ldr r1, =15999               @ 1 ms at 16 MHz
        str r1, [r0, #4]
        movs r1, #0
        str r1, [r0, #8]
        movs r1, #7                  @ core clock, interrupt, enable
        str r1, [r0]
        movs r5, #0
        wfi
        adds r5, #1
done:   b done
        .thumb_func
systick: ldr r2, =LOG
        ldr r1, [r2]
        adds r1, #1
        str r1, [r2]
        bx lr
        .ltorg
        logv_fn
