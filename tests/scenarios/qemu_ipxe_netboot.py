# SPDX-License-Identifier: GPL-2.0
"""The e1000's iPXE option ROM still drives the NIC on our QEMU with the
CSB extension on (`-device e1000,csb=on`; the default is off): the firmware network-boots over the NIC
(DHCP and TFTP from QEMU's user-mode network) a Debian kernel and our
16 MB initramfs, and the guest that comes up runs our agent. A single
corrupted or lost block would stop the boot."""
import os
import shutil
import subprocess
import time

from harness import DEFAULT_KERNEL, config

MATRIX = {"qemu": ["build", "stock"]}
TIMEOUT = 300
SCRIPT = """#!ipxe
kernel tftp://10.0.2.2/vmlinuz console=ttyS0,115200 panic=-1
initrd tftp://10.0.2.2/initramfs.gz
boot
"""


def run(t):
    tftp = os.path.join(t.logdir, "tftp")
    os.makedirs(tftp)
    shutil.copy(config.kernel_image(DEFAULT_KERNEL), os.path.join(tftp, "vmlinuz"))
    shutil.copy(config.initramfs(DEFAULT_KERNEL), os.path.join(tftp, "initramfs.gz"))
    with open(os.path.join(tftp, "boot.ipxe"), "w") as f:
        f.write(SCRIPT)
    console = os.path.join(t.logdir, "console.log")
    argv = [config.QEMU_BINARIES[t.qemu], "-M", "pc", "-accel", "tcg", "-m", "384",
            "-nodefaults", "-display", "none", "-no-reboot", "-boot", "n",
            "-serial", f"file:{console}",
            "-netdev", f"user,id=n0,tftp={tftp},bootfile=boot.ipxe",
            # the default romfile: iPXE from Debian's ipxe-qemu
            "-device", "e1000,netdev=n0,id=nic0" +
            (",csb=on" if t.qemu in config.CSB_QEMUS else "")]
    with open(os.path.join(t.logdir, "qemu.log"), "w") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    t.register_pid(proc.pid)
    try:
        deadline = time.monotonic() + 240
        text = ""
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(1)
            with open(console, errors="replace") as f:
                text = f.read()
            if "agent on ttyS1" in text:
                break
        t.expect("Linux version" in text, "iPXE did not load the kernel over the e1000")
        t.expect("Initramfs unpacking failed" not in text,
                 "the initramfs fetched by iPXE is corrupt")
        t.expect("agent on ttyS1" in text, "the net-booted guest did not reach /init")
    finally:
        proc.kill()
        proc.wait()
