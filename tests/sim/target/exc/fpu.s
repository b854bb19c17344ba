@ Cortex-M4F: an exception taken with CONTROL.FPCA set stacks the extended
@ frame (S0-S15, FPSCR) and returns with EXC_RETURN bit 4 clear; the
@ handler's use of S0 is undone by the return.
        .include "common.inc"
        .fpu fpv4-sp-d16
        vectors pendsv=pendsv
        .thumb_func
start:  ldr r0, =0xE000ED88          @ CPACR: CP10 and CP11 full access
        ldr r1, [r0]
        orr r1, r1, #(0xF << 20)
        str r1, [r0]
        dsb
        isb
        ldr r1, =0x3F800000
        vmov s0, r1                  @ S0 = 1.0f: the FP context is active
        ldr r1, =0x40000000
        vmov s15, r1
        ldr r4, =LOG
        mrs r1, control
        str r1, [r4, #4]             @ LOG[1]: CONTROL before (FPCA set)
        ldr r0, =ICSR
        mov r1, #(1 << 28)
        str r1, [r0]                 @ pend PendSV
        dsb
        isb
        vmov r1, s0
        str r1, [r4, #8]             @ LOG[2]: S0 after the return
        mrs r1, control
        str r1, [r4, #12]            @ LOG[3]: CONTROL after
        str sp, [r4, #16]            @ LOG[4]: SP in Thread mode
done:   b done
        .thumb_func
pendsv: ldr r4, =LOG
        str lr, [r4, #20]            @ LOG[5]: EXC_RETURN
        str sp, [r4, #24]            @ LOG[6]: SP in the handler
        mrs r1, control
        str r1, [r4, #28]            @ LOG[7]: CONTROL in the handler (FPCA clear)
        ldr r1, =0x12345678
        vmov s0, r1
        bx lr
        .ltorg
        logv_fn
