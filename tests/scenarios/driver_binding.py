# SPDX-License-Identifier: GPL-2.0
"""Installed like a real driver, e1000_csb takes QEMU's e1000 NICs and
nothing else, and uninstalling gives every NIC back to e1000.

A guest on our QEMU with two e1000 NICs: nic0 with QEMU's default PCI
subsystem ids (1af4:1100), nic1 with VMware's (15ad:0750, through our
QEMU's x-pci-sub-vendor-id/x-pci-sub-device-id test hooks), standing for
any 8254x that is not QEMU's.

- `modinfo e1000_csb`: exactly QEMU's three models with QEMU's subsystem
  ids as aliases, the version of dkms.conf, author, description, license.
- Installed (packaging/modprobe.d/e1000-csb.conf in /lib/modprobe.d, as
  the Debian package puts it), with both modules unloaded, the NICs'
  modaliases loaded the way udev's coldplug does, nic1's first (whose
  alias only e1000 matches): the softdep loads e1000_csb before e1000,
  and nic0 ends up on e1000_csb, nic1 on e1000. nic0 carries verified
  traffic; `ethtool -i` shows the version and no firmware-version.
- Widened explicitly: nic1 unbound from e1000 and
  `echo "8086 100e" > /sys/bus/pci/drivers/e1000_csb/new_id` puts it on
  e1000_csb; remove_id and a new probe put it back on e1000.
- Uninstalled: without the modprobe.d file, the same coldplug gives both
  NICs to e1000 (e1000_csb, loaded later, gets nothing); with the module
  removed too (depmod), e1000 has both and e1000_csb does not load."""
import os

from harness import KERNELS, config
from harness.traffic import host_to_guest

MATRIX = {"kernel": KERNELS}
TIMEOUT = 300

QEMU_SUB = ("0x1af4", "0x1100")
OTHER_SUB = ("0x15ad", "0x0750")
CONF = "/lib/modprobe.d/e1000-csb.conf"

# udev's coldplug: modprobe each device's modalias (nic1's first: with
# the modprobe.d file, e1000_csb must get loaded first even so).
COLDPLUG = """
for dev in {devs}; do
	modprobe -q "$(cat /sys/bus/pci/devices/$dev/modalias)" || true
done
"""


def version():
    with open(os.path.join(config.TOP, "dkms.conf")) as f:
        for line in f:
            if line.startswith("PACKAGE_VERSION="):
                return line.split("=", 1)[1].strip().strip('"')
    return None


def drivers(g, devs):
    """{pci address: bound driver or None} after the driver core settled."""
    out = g.sh("sleep 1; for d in " + " ".join(devs) + "; do "
               "echo $d $(basename \"$(readlink /sys/bus/pci/devices/$d/driver)\"); done")
    result = {}
    for line in out.splitlines():
        dev, _, drv = line.partition(" ")
        result[dev] = drv.strip() if drv.strip() not in ("", ".") else None
    return result


def expect_bound(t, g, want, what):
    """The NICs' drivers must be WANT ({pci address: driver})."""
    bound = drivers(g, sorted(want))
    t.expect(bound == want, f"{what}: expected {want}, got {bound}")
    return bound


def coldplug(t, g, order, want, what):
    """Unload both drivers, load the modaliases of the devices in ORDER as
    udev's coldplug does, and expect the drivers WANT."""
    g.sh("rmmod e1000_csb 2>/dev/null; rmmod e1000 2>/dev/null; "
         "! grep -qE '^(e1000|e1000_csb) ' /proc/modules")
    g.sh(COLDPLUG.format(devs=" ".join(order)))
    return expect_bound(t, g, want, what)


def run(t):
    link0, link1 = t.link(), t.link()
    other = f"x-pci-sub-vendor-id={OTHER_SUB[0]},x-pci-sub-device-id={OTHER_SUB[1]}"
    g = t.guest(link0.a, link1.a, nic="e1000", qemu="build", nic_props=["", other])

    # Which PCI device is which NIC: by their subsystem ids.
    out = g.sh("for d in /sys/bus/pci/devices/*; do "
               "[ \"$(cat $d/vendor):$(cat $d/device)\" = 0x8086:0x100e ] && "
               "echo $(basename $d) $(cat $d/subsystem_vendor) $(cat $d/subsystem_device); "
               "done; true")
    subs = {tuple(line.split()[1:]): line.split()[0] for line in out.splitlines()}
    t.expect(set(subs) == {QEMU_SUB, OTHER_SUB},
             f"expected two 8086:100e with subsystems {QEMU_SUB} and {OTHER_SUB}:\n{out}")
    qemu_dev, other_dev = subs[QEMU_SUB], subs[OTHER_SUB]
    reverse = [other_dev, qemu_dev]
    installed = {qemu_dev: "e1000_csb", other_dev: "e1000"}
    all_e1000 = {qemu_dev: "e1000", other_dev: "e1000"}

    # What the module says about itself.
    info = g.sh("modinfo e1000_csb")
    fields = {}
    for line in info.splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), []).append(value.strip())
    want_aliases = sorted(f"pci:v00008086d0000{d}sv00001AF4sd00001100bc*sc*i*"
                          for d in ("100E", "100F", "100C"))
    t.expect(sorted(fields.get("alias", [])) == want_aliases,
             f"aliases are not exactly QEMU's three models with QEMU's subsystem:\n{info}")
    t.expect(fields.get("version") == [version()],
             f"modinfo version {fields.get('version')}, dkms.conf says {version()}")
    for key in ("author", "description", "license"):
        t.expect(fields.get(key, [""])[0], f"modinfo has no {key}:\n{info}")

    # Installed: the modprobe.d file, as the package installs it.
    with open(os.path.join(config.TOP, "packaging", "modprobe.d", "e1000-csb.conf")) as f:
        conf = f.read()
    g.sh(f"mkdir -p /lib/modprobe.d && cat > {CONF} <<'EOF'\n{conf}EOF\n")
    t.note(f"installed: {coldplug(t, g, reverse, installed, 'installed')}")
    ifname = g.sh("ifname_of e1000_csb").strip()
    link0.a.ifname = g.nics[0].ifname = ifname
    drvinfo = g.sh(f"ethtool -i {ifname}")
    t.expect(f"version: {version()}\n" in drvinfo + "\n",
             f"ethtool -i does not show version {version()}:\n{drvinfo}")
    t.expect("firmware-version: \n" in drvinfo + "\n" or "firmware-version:\n" in drvinfo + "\n",
             f"ethtool -i shows a firmware-version:\n{drvinfo}")
    g.sh(f"""
ip addr add {link0.a.ip}/24 dev {ifname}
ip link set {ifname} up
ip neigh replace {link0.b.ip} lladdr {link0.b.mac} dev {ifname} nud permanent
wait_for 30 grep -qx 1 /sys/class/net/{ifname}/carrier
""", timeout=40)
    host_to_guest(t, g, link0.a, count=200, size=600)

    # Widened by the administrator: new_id takes the other 8254x too.
    g.sh(f"""
echo {other_dev} > /sys/bus/pci/drivers/e1000/unbind
echo "8086 100e" > /sys/bus/pci/drivers/e1000_csb/new_id
""")
    expect_bound(t, g, {qemu_dev: "e1000_csb", other_dev: "e1000_csb"}, "after new_id")
    g.sh(f"""
echo "8086 100e" > /sys/bus/pci/drivers/e1000_csb/remove_id
echo {other_dev} > /sys/bus/pci/drivers/e1000_csb/unbind
echo {other_dev} > /sys/bus/pci/drivers_probe
""")
    expect_bound(t, g, installed, "after remove_id and a new probe")

    # Uninstalled: first the modprobe.d file only, then the module too.
    g.sh(f"ip link set {ifname} down; rm {CONF}")
    coldplug(t, g, reverse, all_e1000, f"without {CONF}")
    g.sh("rm -f /lib/modules/$(uname -r)/updates/driver/e1000_csb.ko* && depmod")
    coldplug(t, g, [qemu_dev, other_dev], all_e1000, "module removed")
    rc, out = g.run("grep '^e1000_csb ' /proc/modules")
    t.expect(rc != 0, f"e1000_csb loaded although removed:\n{out}")

    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
