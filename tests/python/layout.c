/*
 * Prints the layout of every public struct the Python bindings mirror with
 * ctypes (bindings/python/vmbackdoor/_structs.py), as the C compiler lays
 * it out:
 *   struct NAME SIZE
 *   field NAME.FIELD OFFSET SIZE
 * test_layout.py compares each mirror against these lines, so a header
 * change that the mirror does not follow fails a test instead of
 * corrupting memory at run time.
 */
#include <stddef.h>
#include <stdio.h>

#include <vmbackdoor/vmbackdoor.h>

#define S(t) printf("struct %s %zu\n", #t, sizeof(struct t))
#define F(t, f)                                                          \
	printf("field %s.%s %zu %zu\n", #t, #f, offsetof(struct t, f),   \
	       sizeof(((struct t *)0)->f))

int main(void)
{
	S(vmbd_frame);
	F(vmbd_frame, ax); F(vmbd_frame, bx); F(vmbd_frame, cx);
	F(vmbd_frame, dx); F(vmbd_frame, si); F(vmbd_frame, di);
	F(vmbd_frame, bp);

	S(vmbd_io);
	F(vmbd_io, ops); F(vmbd_io, arg); F(vmbd_io, lb_calls);
	F(vmbd_io, hb_calls);

	S(vmbd_ctx);
	F(vmbd_ctx, io); F(vmbd_ctx, log); F(vmbd_ctx, log_arg);

	S(vmbd_hz);
	F(vmbd_hz, tsc_hz); F(vmbd_hz, apic_hz);

	S(vmbd_host_time);
	F(vmbd_host_time, sec); F(vmbd_host_time, usec);
	F(vmbd_host_time, max_lag_us); F(vmbd_host_time, interrupt_lag_us);
	F(vmbd_host_time, has_interrupt_lag); F(vmbd_host_time, cmd);

	S(vmbd_detect_info);
	F(vmbd_detect_info, hypervisor_present);
	F(vmbd_detect_info, hypervisor); F(vmbd_detect_info, vendor);
	F(vmbd_detect_info, max_leaf); F(vmbd_detect_info, method);
	F(vmbd_detect_info, version); F(vmbd_detect_info, product);

	S(vmbd_channel);
	F(vmbd_channel, ctx); F(vmbd_channel, proto); F(vmbd_channel, flags);
	F(vmbd_channel, state); F(vmbd_channel, id); F(vmbd_channel, cookies);
	F(vmbd_channel, cookie_high); F(vmbd_channel, cookie_low);
	F(vmbd_channel, hb_unavailable); F(vmbd_channel, last_status);
	F(vmbd_channel, cpt_restarts);

	S(vmbd_rpci);
	F(vmbd_rpci, ch); F(vmbd_rpci, reopens);

	S(vmbd_tclo);
	F(vmbd_tclo, ch); F(vmbd_tclo, reopens); F(vmbd_tclo, commands);

	S(vmbd_policy_local);
	F(vmbd_policy_local, disable_all);
	F(vmbd_policy_local, disable_periodic);
	F(vmbd_policy_local, never_backward);

	S(vmbd_policy_settings);
	F(vmbd_policy_settings, loop_state);
	F(vmbd_policy_settings, loop_active);
	F(vmbd_policy_settings, period_s); F(vmbd_policy_settings, slew_on);
	F(vmbd_policy_settings, percent);
	F(vmbd_policy_settings, tools_enable);
	F(vmbd_policy_settings, startup_backward);
	F(vmbd_policy_settings, startup_done);
	F(vmbd_policy_settings, allow);
	F(vmbd_policy_settings, guest_resync);
	F(vmbd_policy_settings, guest_resync_timeout_s);

	S(vmbd_policy);
	F(vmbd_policy, local); F(vmbd_policy, s);
	F(vmbd_policy, next_due_ns); F(vmbd_policy, resync_noted);

	S(vmbd_policy_action);
	F(vmbd_policy_action, type); F(vmbd_policy_action, what);
	F(vmbd_policy_action, reason); F(vmbd_policy_action, backward);
	F(vmbd_policy_action, cause); F(vmbd_policy_action, period_s);
	F(vmbd_policy_action, slew_on); F(vmbd_policy_action, percent);
	F(vmbd_policy_action, os_state);

	S(vmbd_policy_result);
	F(vmbd_policy_result, reply); F(vmbd_policy_result, reply_len);
	F(vmbd_policy_result, n_actions); F(vmbd_policy_result, actions);
	F(vmbd_policy_result, fail_reply);

	S(vmbd_policy_tick);
	F(vmbd_policy_tick, due); F(vmbd_policy_tick, next_due_ns);
	F(vmbd_policy_tick, period_s); F(vmbd_policy_tick, slew_on);
	F(vmbd_policy_tick, percent);

	S(vmbd_sim_tclo_record);
	F(vmbd_sim_tclo_record, cmd); F(vmbd_sim_tclo_record, cmd_len);
	F(vmbd_sim_tclo_record, reply); F(vmbd_sim_tclo_record, reply_len);

	/* Partial mirror (SimHead): the leading fields only. */
	S(vmbd_sim);
	F(vmbd_sim, version); F(vmbd_sim, product); F(vmbd_sim, hwversion);
	F(vmbd_sim, mhz); F(vmbd_sim, tsc_hz); F(vmbd_sim, apic_hz);
	F(vmbd_sim, uuid); F(vmbd_sim, memsize_mib);
	F(vmbd_sim, memsize_in_bytes); F(vmbd_sim, vcpu_info);
	F(vmbd_sim, tz_offset_min); F(vmbd_sim, disabled);
	F(vmbd_sim, cmd_low_byte); F(vmbd_sim, lb_only); F(vmbd_sim, now_ns);
	F(vmbd_sim, host_epoch_ns); F(vmbd_sim, host_offset_ns);
	F(vmbd_sim, max_lag_us); F(vmbd_sim, interrupt_lag_us);
	F(vmbd_sim, read_jitter_us); F(vmbd_sim, call_cost_ns);
	F(vmbd_sim, rng); F(vmbd_sim, guest_ns); F(vmbd_sim, guest_drift_ppb);
	F(vmbd_sim, guest_freq_ppb); F(vmbd_sim, guest_slew_ns);
	F(vmbd_sim, guest_slew_rate_ppb); F(vmbd_sim, guest_frac);
	F(vmbd_sim, guest_slew_frac); F(vmbd_sim, suspended);
	F(vmbd_sim, calls_total); F(vmbd_sim, calls_lb); F(vmbd_sim, calls_hb);
	F(vmbd_sim, calls_by_cmd); F(vmbd_sim, stopcatchup_count);
	return 0;
}
