# SPDX-License-Identifier: GPL-2.0-or-later
#
# e1000-csb: devices for the project's x86_64 test QEMU, selected with
# --without-default-devices --with-devices-x86_64=e1000-csb.

# Boards: i440fx PC and Q35.
CONFIG_I440FX=y
CONFIG_Q35=y
CONFIG_ISAPC=n
CONFIG_MICROVM=n
CONFIG_NITRO_ENCLAVE=n

# NICs: e1000 (e1000, e1000-82544gc, e1000-82545em) and virtio-net-pci.
CONFIG_E1000_PCI=y
CONFIG_VIRTIO_NET=y
CONFIG_VIRTIO_PCI=y

# Intel IOMMU (intel-iommu), serial console, debug exit port, VGA.
CONFIG_VTD=y
CONFIG_SERIAL_ISA=y
CONFIG_ISA_DEBUG=y
CONFIG_VGA_PCI=y

# The ISA floppy controller, which every i440fx PC of an ordinary QEMU has
# (-nodefaults or not): without it a stream from such a QEMU (Debian 12's
# 7.2 on pc-i440fx-7.2, scenarios/csb_migration_compat.py) fails with
# "Unknown savevm section or instance 'fdc' 0". Not HPET or vmmouse: that
# scenario turns them off on both sides (hpet=off,vmport=off).
CONFIG_FDC_ISA=y
