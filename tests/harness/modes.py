# SPDX-License-Identifier: GPL-2.0
"""Checks of a guest's CSB mode shared by scenarios."""
from harness import config


def expect_mode_kept(t, g, before, csb_on, what):
    """Guest G's first NIC is in CSB mode if CSB_ON, else in plain mode,
    and nothing switched, fell back, was rescued or timed out since the
    ethtool -S snapshot BEFORE; on our QEMU its csb-active property
    (qom-get) agrees."""
    now = g.ethtool_stats()
    for key in ("csb_mode_switches", "csb_fallbacks", "csb_rescues", "tx_timeout_count"):
        t.expect(now[key] == before[key], f"{what}: {key} {before[key]} -> {now[key]}")
    t.expect(now["csb_active"] == (1 if csb_on else 0),
             f"{what}: csb_active {now['csb_active']}")
    if g.qemu in config.CSB_QEMUS:
        t.expect(g.host_csb_active() is csb_on,
                 f"{what}: qom-get csb-active is {g.host_csb_active()} on {g.qemu}")
