/* Private: vmbd_open's decisions with its platform hooks made explicit, so
 * tests can drive every branch with a fake CPUID and the mock backend
 * without ever executing a backdoor instruction. */
#ifndef VMBD_LIB_OPEN_ENV_H
#define VMBD_LIB_OPEN_ENV_H

#include <vmbackdoor/detect.h>

struct vmbd__open_env {
	int (*detect)(struct vmbd_detect_info *info);
	/* io backend for a call method, NULL when not built for it. */
	const struct vmbd_io_ops *(*backend)(int method);
	void *backend_arg;
	int (*request_access)(void);
};

int vmbd__open_env(struct vmbd_ctx *ctx, unsigned flags,
		   struct vmbd_detect_info *info,
		   const struct vmbd__open_env *env);

#endif
