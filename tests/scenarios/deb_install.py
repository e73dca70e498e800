# SPDX-License-Identifier: GPL-2.0
"""The Debian package installs and removes cleanly on Debian 12: in a
bookworm chroot (debootstrap --variant=minbase from the mirror this
machine uses, scripts/deps.sh --mirror) with the headers of both guest
kernels, `apt install ./e1000-csb-dkms_*.deb` has DKMS build and install
e1000_csb for each of them (`dkms status`, the .ko in updates/dkms with
dkms.conf's version), with the modprobe.d softdep and the initramfs hook
in place; `apt remove --purge` then removes every file the installation
added (the chroot's file list is the one from before, apart from apt's
and dpkg's own records and logs, and depmod's indexes).

KIND soak: the first run downloads and prepares the chroot (a few
minutes, kept in build/deb-chroot-base/ for the next runs); a run then
takes about 6 minutes on a busy 2-core machine (a copy of the chroot, a
DKMS build per kernel)."""
import glob
import os
import re
import shutil
import subprocess

from harness import KERNELS, config

KIND = "soak"
TIMEOUT = 1800

BASE = os.path.join(config.BUILD, "deb-chroot-base")
ROOT = os.path.join(config.BUILD, "deb-chroot")
# Records that installing and removing a package legitimately changes.
VOLATILE = ("var/lib/dpkg/", "var/lib/apt/", "var/cache/", "var/log/", "tmp/",
            "var/lib/dkms/e1000-csb/")  # checked on its own below

# depmod's indexes, which DKMS's depmod writes: a system with the kernel
# image has them already (this chroot only has the headers).
DEPMOD = re.compile(r"usr/lib/modules/[^/]+/modules\.[a-z.]+$")


def sh(t, argv, log, **kw):
    proc = subprocess.run(argv, capture_output=True, text=True, **kw)
    with open(os.path.join(t.logdir, log), "a") as f:
        f.write(f"$ {' '.join(argv)}\n{proc.stdout}{proc.stderr}[exit {proc.returncode}]\n")
    t.expect(proc.returncode == 0,
             f"{' '.join(argv)}: exit {proc.returncode}\n{(proc.stdout + proc.stderr)[-3000:]}")
    return proc.stdout


def chroot(t, script, log="chroot.log"):
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive",
           "LC_ALL": "C"}
    return sh(t, ["chroot", ROOT, "/bin/sh", "-ec", script], log, env=env)


def prepare_base(t, kvers):
    """debootstrap bookworm with this machine's apt sources (bookworm,
    -updates, -security, where the current kernels' headers are) plus
    bookworm-backports (the 6.12 headers), then the guest kernels' headers
    and dkms. Each step once: debootstrap, then again only when the
    kernels change."""
    stamp = os.path.join(BASE, ".e1000-csb-kernels")
    if os.path.exists(stamp) and open(stamp).read().split() == kvers:
        return
    if not os.path.exists(os.path.join(BASE, ".e1000-csb-debootstrap")):
        shutil.rmtree(BASE, ignore_errors=True)
        mirror = sh(t, [os.path.join(config.TOP, "scripts", "deps.sh"), "--mirror"],
                    "prepare.log").strip()
        t.expect(mirror, "scripts/deps.sh --mirror found no Debian mirror")
        sh(t, ["debootstrap", "--variant=minbase", "bookworm", BASE, mirror], "prepare.log")
        apt = os.path.join(BASE, "etc/apt")
        os.remove(os.path.join(apt, "sources.list"))  # debootstrap's: bookworm only
        for f in glob.glob("/etc/apt/sources.list.d/*.sources") + \
                glob.glob("/etc/apt/sources.list.d/*.list"):
            if os.path.basename(f) != "e1000-csb.sources":  # deb-src, trixie: not needed
                shutil.copy(f, os.path.join(apt, "sources.list.d"))
        if os.path.exists("/etc/apt/sources.list"):
            shutil.copy("/etc/apt/sources.list", apt)
        with open(os.path.join(apt, "sources.list.d/backports.list"), "w") as f:
            f.write(f"deb {mirror} bookworm-backports main\n")
        open(os.path.join(BASE, ".e1000-csb-debootstrap"), "w").close()
    os.rename(BASE, ROOT)
    try:
        with mounted_proc():
            chroot(t, "apt-get update -qq && apt-get install -y -qq --no-install-recommends "
                   "dkms " + " ".join(f"linux-headers-{k}" for k in kvers) + " >/dev/null",
                   "prepare.log")
    finally:
        os.rename(ROOT, BASE)
    # one compiler at a time (a shared machine)
    with open(os.path.join(BASE, "etc/dkms/framework.conf"), "a") as f:
        f.write("parallel_jobs=1\n")
    with open(stamp, "w") as f:
        f.write(" ".join(kvers) + "\n")


class mounted_proc:
    def __enter__(self):
        subprocess.run(["mount", "-t", "proc", "proc", os.path.join(ROOT, "proc")], check=True)

    def __exit__(self, *exc):
        subprocess.run(["umount", os.path.join(ROOT, "proc")])


def files(root):
    out = set()
    for d, dirs, names in os.walk(root):
        rel = os.path.relpath(d, root)
        if rel == "proc":
            dirs[:] = []
            continue
        for n in names + dirs:
            p = os.path.normpath(os.path.join(rel, n))
            if not any((p + "/").startswith(v) for v in VOLATILE) and not DEPMOD.match(p):
                out.add(p)
    return out


def run(t):
    kvers = list(KERNELS)
    t.expect(len(kvers) == len(KERNELS), f"guest kernels: {kvers}")
    sh(t, ["make", "-s", "deb"], "build.log", cwd=config.TOP)
    deb = glob.glob(os.path.join(config.BUILD, "deb", "*.deb"))[0]
    name = os.path.basename(deb)
    version = name.split("_")[1]

    prepare_base(t, kvers)
    shutil.rmtree(ROOT, ignore_errors=True)
    sh(t, ["cp", "-a", BASE, ROOT], "prepare.log")
    shutil.copy(deb, os.path.join(ROOT, "tmp", name))
    with mounted_proc():
        before = files(ROOT)
        chroot(t, f"apt-get install -y --no-install-recommends /tmp/{name}")
        status = chroot(t, "dkms status")
        t.note("dkms status: " + status.strip().replace("\n", "; "))
        for k in kvers:
            t.expect(f"e1000-csb/{version}, {k}, x86_64: installed" in status,
                     f"not installed for {k}:\n{status}")
            info = chroot(t, f"modinfo -k {k} e1000_csb")
            t.expect(f"/lib/modules/{k}/updates/dkms/e1000_csb.ko" in info
                     and f"\nversion:        {version}\n" in info,
                     f"modinfo -k {k} e1000_csb:\n{info}")
        for f in ("lib/modprobe.d/e1000-csb.conf", "usr/share/initramfs-tools/hooks/e1000-csb",
                  f"usr/src/e1000-csb-{version}/dkms.conf"):
            t.expect(os.path.exists(os.path.join(ROOT, f)), f"/{f} not installed")

        chroot(t, "apt-get remove --purge -y e1000-csb-dkms")
        status = chroot(t, "dkms status")
        t.expect("e1000-csb" not in status, f"dkms still knows e1000-csb:\n{status}")
        after = files(ROOT)
    t.expect(not os.path.exists(os.path.join(ROOT, "var/lib/dkms/e1000-csb")),
             "/var/lib/dkms/e1000-csb left behind")
    added, removed = sorted(after - before), sorted(before - after)
    t.expect(not added and not removed,
             "apt remove --purge did not restore the file list:\n"
             + "\n".join([f"+ /{p}" for p in added[:30]] + [f"- /{p}" for p in removed[:30]]))
    shutil.rmtree(ROOT)
