# SPDX-License-Identifier: GPL-2.0
"""`make deb` builds the Debian package e1000-csb-dkms with debhelper and
dh-dkms into build/deb/, and the package holds what it must: the module
source and dkms.conf under /usr/src/e1000-csb-VERSION (VERSION: dkms.conf's
PACKAGE_VERSION, which is also the package's version), the modprobe.d
softdep and the initramfs-tools hook byte for byte as in packaging/, the
user guide, changelog and copyright; maintainer scripts that run DKMS;
a dependency on dkms. lintian, if installed, reports no error."""
import glob
import os
import shutil
import subprocess

from harness import config

KIND = "static"
TIMEOUT = 300


def sh(t, argv, **kw):
    proc = subprocess.run(argv, capture_output=True, text=True, **kw)
    t.expect(proc.returncode == 0,
             f"{' '.join(argv)}: exit {proc.returncode}\n{(proc.stdout + proc.stderr)[-3000:]}")
    return proc.stdout


def run(t):
    with open(os.path.join(config.TOP, "dkms.conf")) as f:
        version = next(line.split("=", 1)[1].strip().strip('"') for line in f
                       if line.startswith("PACKAGE_VERSION="))
    sh(t, ["make", "-s", "deb"], cwd=config.TOP)
    debs = glob.glob(os.path.join(config.BUILD, "deb", "*.deb"))
    t.expect(len(debs) == 1, f"expected one .deb in build/deb, found {debs}")
    deb = debs[0]
    t.expect(os.path.basename(deb) == f"e1000-csb-dkms_{version}_all.deb",
             f"{os.path.basename(deb)}: not e1000-csb-dkms_{version}_all.deb")

    contents = sh(t, ["dpkg-deb", "-c", deb])
    files = {line.split()[-1].lstrip(".") for line in contents.splitlines()}
    src = f"/usr/src/e1000-csb-{version}"
    want = {f"{src}/dkms.conf", f"{src}/Kbuild", f"{src}/driver/Kbuild",
            "/lib/modprobe.d/e1000-csb.conf", "/usr/share/initramfs-tools/hooks/e1000-csb",
            "/usr/share/doc/e1000-csb-dkms/copyright",
            "/usr/share/doc/e1000-csb-dkms/changelog.gz",
            "/usr/share/doc/e1000-csb-dkms/user-guide.md.gz"}
    for pattern in ("driver/*.c", "driver/*.h", "include/*.h"):
        want |= {f"{src}/{os.path.relpath(p, config.TOP)}"
                 for p in glob.glob(os.path.join(config.TOP, pattern))}
    missing = sorted(want - files)
    t.expect(not missing, "missing from the package:\n" + "\n".join(missing))
    t.note(f"{len(files)} paths in {os.path.basename(deb)}")

    info = sh(t, ["dpkg-deb", "-I", deb])
    t.expect(f"Version: {version}\n" in info, f"not version {version}:\n{info}")
    t.expect("Depends: dkms" in info, f"no dependency on dkms:\n{info}")
    control = sh(t, ["dpkg-deb", "-I", deb, "postinst"]) + sh(t, ["dpkg-deb", "-I", deb, "prerm"])
    t.expect("dkms" in control and "e1000-csb" in control,
             f"the maintainer scripts do not run DKMS for e1000-csb:\n{control}")
    triggers = sh(t, ["dpkg-deb", "-I", deb, "triggers"])
    t.expect("update-initramfs" in triggers, f"no update-initramfs trigger:\n{triggers}")

    # The shipped files are the repository's.
    tmp = os.path.join(config.BUILD, "deb", "x")
    shutil.rmtree(tmp, ignore_errors=True)
    sh(t, ["dpkg-deb", "-x", deb, tmp])
    for shipped, repo in ((f"{src}/dkms.conf", "dkms.conf"),
                          ("/lib/modprobe.d/e1000-csb.conf", "packaging/modprobe.d/e1000-csb.conf"),
                          ("/usr/share/initramfs-tools/hooks/e1000-csb",
                           "packaging/initramfs-tools/hooks/e1000-csb"),
                          (f"{src}/driver/e1000_csb_main.c", "driver/e1000_csb_main.c")):
        with open(tmp + shipped, "rb") as a, open(os.path.join(config.TOP, repo), "rb") as b:
            t.expect(a.read() == b.read(), f"{shipped} differs from {repo}")
    t.expect(os.access(tmp + "/usr/share/initramfs-tools/hooks/e1000-csb", os.X_OK),
             "the initramfs hook is not executable")
    shutil.rmtree(tmp)

    if shutil.which("lintian"):
        proc = subprocess.run(["lintian", "--allow-root", deb], capture_output=True, text=True)
        out = proc.stdout + proc.stderr
        with open(os.path.join(t.logdir, "lintian.log"), "w") as f:
            f.write(out)
        errors = [line for line in out.splitlines() if line.startswith("E:")]
        t.expect(not errors, "lintian errors:\n" + "\n".join(errors))
        t.note(f"lintian: {len(out.splitlines())} lines, no error")
    else:
        t.note("lintian not installed: not run")
