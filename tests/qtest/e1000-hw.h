/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bits of the Intel 8254x (e1000) that csb-qtest needs: register
 * offsets in BAR0, bits, legacy descriptor layouts; from the 8254x
 * Software Developer's Manual. PCI and PC platform constants too.
 */
#ifndef CSB_QTEST_E1000_HW_H
#define CSB_QTEST_E1000_HW_H

/* ---- PCI configuration space ---- */
#define PCI_CFG_ADDR		0xcf8
#define PCI_CFG_DATA		0xcfc
#define PCI_VENDOR_ID		0x00
#define PCI_COMMAND		0x04
#define  PCI_COMMAND_IO		0x0001
#define  PCI_COMMAND_MEMORY	0x0002
#define  PCI_COMMAND_MASTER	0x0004
#define  PCI_COMMAND_INTX_DIS	0x0400
#define PCI_STATUS		0x06
#define  PCI_STATUS_CAP_LIST	0x0010
#define PCI_BAR0		0x10
#define PCI_CAP_PTR		0x34
#define PCI_INTERRUPT_PIN	0x3d
#define PCI_CAP_ID_VNDR		0x09

#define INTEL_VENDOR		0x8086
/* PIIX3 (bus 0, device 1): PIRQ[A-D] route control, one byte each */
#define PIIX_PIRQRC		0x60
/* ICH9 (Q35): IOAPIC inputs 16-23 are PIRQ A-H; this is PIRQ E */
#define ICH9_IOAPIC_PIRQE	20

/* ---- e1000 registers (offsets in BAR0) ---- */
#define E1K_CTRL	0x00000
#define  E1K_CTRL_SLU		(1u << 6)
#define  E1K_CTRL_RST		(1u << 26)
#define E1K_STATUS	0x00008
#define  E1K_STATUS_LU		(1u << 1)
#define E1K_ICR		0x000c0
#define E1K_ITR		0x000c4
#define E1K_ICS		0x000c8
#define E1K_IMS		0x000d0
#define E1K_IMC		0x000d8
#define  E1K_ICR_TXDW		(1u << 0)
#define  E1K_ICR_TXQE		(1u << 1)
#define  E1K_ICR_LSC		(1u << 2)
#define  E1K_ICR_RXDMT0		(1u << 4)
#define  E1K_ICR_RXO		(1u << 6)
#define  E1K_ICR_RXT0		(1u << 7)
#define  E1K_ICR_TX_CAUSES	(E1K_ICR_TXDW | E1K_ICR_TXQE)
#define  E1K_ICR_RX_CAUSES	(E1K_ICR_RXT0 | E1K_ICR_RXDMT0)
#define E1K_RCTL	0x00100
#define  E1K_RCTL_EN		(1u << 1)
#define  E1K_RCTL_UPE		(1u << 3)
#define  E1K_RCTL_MPE		(1u << 4)
#define  E1K_RCTL_LPE		(1u << 5)
#define  E1K_RCTL_BAM		(1u << 15)
#define  E1K_RCTL_SZ_2048	(0u << 16)
#define  E1K_RCTL_SZ_1024	(1u << 16)
#define  E1K_RCTL_SZ_512	(2u << 16)
#define  E1K_RCTL_SZ_256	(3u << 16)
#define  E1K_RCTL_BSEX		(1u << 25)
#define  E1K_RCTL_SECRC		(1u << 26)
#define E1K_TCTL	0x00400
#define  E1K_TCTL_EN		(1u << 1)
#define  E1K_TCTL_PSP		(1u << 3)
#define E1K_TIPG	0x00410
#define E1K_RDBAL	0x02800
#define E1K_RDBAH	0x02804
#define E1K_RDLEN	0x02808
#define E1K_RDH		0x02810
#define E1K_RDT		0x02818
#define E1K_RDTR	0x02820
#define E1K_TDBAL	0x03800
#define E1K_TDBAH	0x03804
#define E1K_TDLEN	0x03808
#define E1K_TDH		0x03810
#define E1K_TDT		0x03818
#define E1K_MPC		0x04010
#define E1K_RAL0	0x05400
#define E1K_RAH0	0x05404

#define E1K_BAR0_SIZE	0x20000

/* Legacy TX descriptor: addr(8) length(2) cso(1) cmd(1) status(1) css(1) special(2) */
#define TXD_LEN_OFF	8
#define TXD_CMD_OFF	11
#define TXD_STA_OFF	12
#define  TXD_CMD_EOP		0x01
#define  TXD_CMD_IFCS		0x02
#define  TXD_CMD_RS		0x08
#define  TXD_CMD_DEXT		0x20
#define  TXD_STAT_DD		0x01
/* Legacy RX descriptor: addr(8) length(2) csum(2) status(1) errors(1) special(2) */
#define RXD_LEN_OFF	8
#define RXD_STA_OFF	12
#define  RXD_STAT_DD		0x01
#define  RXD_STAT_EOP		0x02
#define DESC_SIZE	16

#endif /* CSB_QTEST_E1000_HW_H */
