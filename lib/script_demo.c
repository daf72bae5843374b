/* The built-in demo host script that `vmbd-time daemon --sim` plays. */
#include <vmbackdoor/script.h>

/*
 * A tools start as a VMware host drives it (PROTOCOL.md section 7) on a
 * guest whose clock is 5 s behind and runs 50 ppm fast; an hour's suspend;
 * the resume sync; then the periodic loop with slewing, through a host
 * clock that jumps back 3 s (the loop must not step backward).
 */
static const char demo_script[] =
	"# vmbd-time built-in demo (virtual time, seconds since start)\n"
	"at 0     host-step 5000000        # host 5 s ahead of the guest\n"
	"at 0     guest-drift 50           # guest oscillator 50 ppm fast\n"
	"at 1     tclo reset\n"
	"at 1     tclo ping\n"
	"at 1     tclo Capabilities_Register\n"
	"at 2     tclo Set_Option broadcastIP 1\n"
	"at 2     tclo Set_Option synctime 0\n"
	"at 2     tclo Set_Option synctime.period 60\n"
	"at 2     tclo Set_Option time.synchronize.tools.startup.backward 0\n"
	"at 2     tclo Set_Option time.synchronize.tools.startup 1\n"
	"at 2     tclo Set_Option time.synchronize.tools.enable 1\n"
	"at 2     tclo Set_Option time.synchronize.tools.slewCorrection 1\n"
	"at 600   suspend 3600             # VM paused: guest clock stands\n"
	"at 4200  tclo Time_Synchronize 0  # resume: forward-only sync\n"
	"at 4260  tclo Set_Option synctime 1\n"
	"at 4500  host-step -3000000       # host jumps back 3 s\n"
	"at 4800  end\n";

const char *vmbd_script_demo(void)
{
	return demo_script;
}
