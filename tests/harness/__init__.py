# SPDX-License-Identifier: GPL-2.0
"""e1000-csb VM test harness.

Scenarios (tests/scenarios/*.py) import what they need from here:

    from harness import KERNELS, QEMUS, ScenarioFailure

and define ``run(t)``, where ``t`` is a :class:`harness.scenario.Test`
that starts guests, host peers and links, and cleans all of them up.
See tests/README.md.
"""
from harness.config import KERNELS, QEMUS, DEFAULT_KERNEL  # noqa: F401
from harness.scenario import ScenarioFailure, Test  # noqa: F401
from harness.results import parse_result, verify_udp, verify_udp_lossy  # noqa: F401
