/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The table of pending device codes and the device_code grant of the token endpoint. The
 * devicecode endpoint and the control routes are declared in emu.h with the other routes.
 */
#ifndef M365ID_DAEMONS_EMULATOR_DEVICE_H
#define M365ID_DAEMONS_EMULATOR_DEVICE_H

#include "sts.h"

#define EMU_DEVICE_CODE_GRANT "urn:ietf:params:oauth:grant-type:device_code"

/** Create the empty table of pending device codes. Returns 0 or M365ID_ENOMEM. */
int emu_device_table_new(struct emu_device_table **out);

/** Free @p t and wipe the device codes it holds; NULL is a no-op. */
void emu_device_table_free(struct emu_device_table *t);

/**
 * Reply to a device_code grant of @p app in @p tenant: AADSTS7000218 when the application does
 * not allow public client flows, then authorization_pending, slow_down, expired_token,
 * authorization_declined, or a delegated access token for the user who approved the code.
 */
void emu_device_token(struct sts_call *c, const struct emu_tenant *tenant,
                      const struct emu_app *app, const struct httpd_form *form);

#endif /* M365ID_DAEMONS_EMULATOR_DEVICE_H */
