/* SPDX-License-Identifier: GPL-2.0 */
/*
 * e1000_csb: register map of the Intel 8254x family (82540EM, 82544GC,
 * 82545EM) as documented in the PCI/PCI-X Family of Gigabit Ethernet
 * Controllers Software Developer's Manual.  Only what the driver uses.
 */
#ifndef _E1000_CSB_REGS_H_
#define _E1000_CSB_REGS_H_

#include <linux/bits.h>

/* PCI device ids handled by this driver */
#define E1000_DEV_ID_82544GC_COPPER	0x100C
#define E1000_DEV_ID_82540EM	0x100E
#define E1000_DEV_ID_82545EM_COPPER	0x100F

/* ---- General registers ---- */
#define E1000_CTRL		0x00000	/* Device Control */
#define E1000_STATUS		0x00008	/* Device Status (read-only) */
#define E1000_EECD		0x00010	/* EEPROM/Flash Control/Data */
#define E1000_EERD		0x00014	/* EEPROM Read (not on 82544) */
#define E1000_CTRL_EXT		0x00018	/* Extended Device Control */
#define E1000_MDIC		0x00020	/* MDI Control */
#define E1000_FCAL		0x00028	/* Flow Control Address Low */
#define E1000_FCAH		0x0002C	/* Flow Control Address High */
#define E1000_FCT		0x00030	/* Flow Control Type */
#define E1000_ICR		0x000C0	/* Interrupt Cause Read (clear on read) */
#define E1000_ITR		0x000C4	/* Interrupt Throttling (82540+) */
#define E1000_ICS		0x000C8	/* Interrupt Cause Set */
#define E1000_IMS		0x000D0	/* Interrupt Mask Set/Read */
#define E1000_IMC		0x000D8	/* Interrupt Mask Clear */
#define E1000_RCTL		0x00100	/* Receive Control */
#define E1000_FCTTV		0x00170	/* Flow Control Transmit Timer Value */
#define E1000_TCTL		0x00400	/* Transmit Control */
#define E1000_TIPG		0x00410	/* Transmit Inter Packet Gap */
#define E1000_LEDCTL		0x00E00	/* LED Control */
#define E1000_PBA		0x01000	/* Packet Buffer Allocation */

/* ---- Receive ring ---- */
#define E1000_RDBAL		0x02800	/* Rx Descriptor Base Low */
#define E1000_RDBAH		0x02804	/* Rx Descriptor Base High */
#define E1000_RDLEN		0x02808	/* Rx Descriptor Length (bytes) */
#define E1000_RDH		0x02810	/* Rx Descriptor Head */
#define E1000_RDT		0x02818	/* Rx Descriptor Tail (doorbell) */
#define E1000_RDTR		0x02820	/* Rx Delay Timer */
#define E1000_RXDCTL		0x02828	/* Rx Descriptor Control */
#define E1000_RADV		0x0282C	/* Rx Absolute Delay Timer (82540+) */

/* ---- Transmit ring ---- */
#define E1000_TDBAL		0x03800	/* Tx Descriptor Base Low */
#define E1000_TDBAH		0x03804	/* Tx Descriptor Base High */
#define E1000_TDLEN		0x03808	/* Tx Descriptor Length (bytes) */
#define E1000_TDH		0x03810	/* Tx Descriptor Head */
#define E1000_TDT		0x03818	/* Tx Descriptor Tail (doorbell) */
#define E1000_TIDV		0x03820	/* Tx Interrupt Delay Value */
#define E1000_TXDCTL		0x03828	/* Tx Descriptor Control */
#define E1000_TADV		0x0382C	/* Tx Absolute Delay (82540+) */

/*
 * ---- Statistics (all clear on read) ----
 * GORC, GOTC, TOR and TOT are 64 bits wide: low half here, high half at +4.
 */
#define E1000_CRCERRS		0x04000
#define E1000_ALGNERRC		0x04004
#define E1000_SYMERRS		0x04008
#define E1000_RXERRC		0x0400C
#define E1000_MPC		0x04010
#define E1000_SCC		0x04014
#define E1000_ECOL		0x04018
#define E1000_MCC		0x0401C
#define E1000_LATECOL		0x04020
#define E1000_COLC		0x04028
#define E1000_DC		0x04030
#define E1000_TNCRS		0x04034
#define E1000_SEC		0x04038
#define E1000_CEXTERR		0x0403C
#define E1000_RLEC		0x04040
#define E1000_XONRXC		0x04048
#define E1000_XONTXC		0x0404C
#define E1000_XOFFRXC		0x04050
#define E1000_XOFFTXC		0x04054
#define E1000_FCRUC		0x04058
#define E1000_PRC64		0x0405C
#define E1000_PRC127		0x04060
#define E1000_PRC255		0x04064
#define E1000_PRC511		0x04068
#define E1000_PRC1023		0x0406C
#define E1000_PRC1522		0x04070
#define E1000_GPRC		0x04074
#define E1000_BPRC		0x04078
#define E1000_MPRC		0x0407C
#define E1000_GPTC		0x04080
#define E1000_GORCL		0x04088
#define E1000_GOTCL		0x04090
#define E1000_RNBC		0x040A0
#define E1000_RUC		0x040A4
#define E1000_RFC		0x040A8
#define E1000_ROC		0x040AC
#define E1000_RJC		0x040B0
#define E1000_MGTPRC		0x040B4
#define E1000_MGTPDC		0x040B8
#define E1000_MGTPTC		0x040BC
#define E1000_TORL		0x040C0
#define E1000_TOTL		0x040C8
#define E1000_TPR		0x040D0
#define E1000_TPT		0x040D4
#define E1000_PTC64		0x040D8
#define E1000_PTC127		0x040DC
#define E1000_PTC255		0x040E0
#define E1000_PTC511		0x040E4
#define E1000_PTC1023		0x040E8
#define E1000_PTC1522		0x040EC
#define E1000_MPTC		0x040F0
#define E1000_BPTC		0x040F4
#define E1000_TSCTC		0x040F8
#define E1000_TSCTFC		0x040FC

/* ---- Receive filtering / offload ---- */
#define E1000_RXCSUM		0x05000	/* Rx Checksum Control */
#define E1000_MTA(n)		(0x05200 + ((n) << 2))	/* Multicast Table */
#define E1000_MTA_REGS	128	/* 4096 bits */
#define E1000_RAL(n)		(0x05400 + ((n) << 3))	/* Receive Address Lo */
#define E1000_RAH(n)		(0x05404 + ((n) << 3))	/* Receive Address Hi */
#define E1000_RAR_ENTRIES	16
#define E1000_MANC		0x05820	/* Management Control */

/* ---- CTRL bits ---- */
#define E1000_CTRL_FD	BIT(0)	/* full duplex (when forced) */
#define E1000_CTRL_LRST	BIT(3)	/* link reset */
#define E1000_CTRL_ASDE	BIT(5)	/* auto speed detection enable */
#define E1000_CTRL_SLU	BIT(6)	/* set link up */
#define E1000_CTRL_ILOS	BIT(7)	/* invert loss of signal */
#define E1000_CTRL_SPEED_MASK	GENMASK(9, 8)	/* speed (when forced) */
#define E1000_CTRL_SPEED_10	0
#define E1000_CTRL_SPEED_100	1
#define E1000_CTRL_SPEED_1000	2
#define E1000_CTRL_FRCSPD	BIT(11)	/* force speed */
#define E1000_CTRL_FRCDPLX	BIT(12)	/* force duplex */
#define E1000_CTRL_RST	BIT(26)	/* device reset (self clearing) */
#define E1000_CTRL_RFCE	BIT(27)	/* receive flow control enable */
#define E1000_CTRL_TFCE	BIT(28)	/* transmit flow control enable */
#define E1000_CTRL_VME	BIT(30)	/* VLAN mode enable */
#define E1000_CTRL_PHY_RST	BIT(31)	/* PHY reset */

/* ---- STATUS bits ---- */
#define E1000_STATUS_FD		BIT(0)
#define E1000_STATUS_LU		BIT(1)
#define E1000_STATUS_SPEED_MASK	GENMASK(7, 6)
#define E1000_STATUS_SPEED_10	0
#define E1000_STATUS_SPEED_100	1

/* ---- EECD bits (Microwire bit-bang interface) ---- */
#define E1000_EECD_SK	BIT(0)	/* clock */
#define E1000_EECD_CS	BIT(1)	/* chip select */
#define E1000_EECD_DI	BIT(2)	/* data into the EEPROM */
#define E1000_EECD_DO	BIT(3)	/* data out of the EEPROM */
#define E1000_EECD_SIZE	BIT(9)	/* 0: 64 words, 1: 256 words */

/* ---- EERD fields (82540/82545 layout) ---- */
#define E1000_EERD_START		BIT(0)
#define E1000_EERD_DONE		BIT(4)
#define E1000_EERD_ADDR_SHIFT	8
#define E1000_EERD_DATA_SHIFT	16

/* EEPROM layout */
#define E1000_EEPROM_WORDS		64
#define E1000_EEPROM_CSUM		0xBABA

/* ---- MDIC ---- */
#define E1000_MDIC_DATA_MASK	GENMASK(15, 0)
#define E1000_MDIC_REG_SHIFT	16
#define E1000_MDIC_PHY_SHIFT	21
#define E1000_MDIC_OP_WRITE		BIT(26)
#define E1000_MDIC_OP_READ		BIT(27)
#define E1000_MDIC_READY		BIT(28)
#define E1000_MDIC_ERROR		BIT(30)

/* Internal copper PHY (IEEE 802.3 clause 22 registers) */
#define E1000_PHY_ADDR		1
#define E1000_PHY_ID1		0x02
#define E1000_PHY_ID2		0x03

/* ---- Interrupt cause bits (ICR/ICS/IMS/IMC) ---- */
#define E1000_INT_TXDW	BIT(0)	/* tx descriptor written back */
#define E1000_INT_TXQE	BIT(1)	/* tx queue empty */
#define E1000_INT_LSC	BIT(2)	/* link status change */
#define E1000_INT_RXSEQ	BIT(3)	/* rx sequence error */
#define E1000_INT_RXDMT0	BIT(4)	/* rx descriptor minimum threshold */
#define E1000_INT_RXO	BIT(6)	/* receiver overrun */
#define E1000_INT_RXT0	BIT(7)	/* receiver timer */
#define E1000_INT_ALL	0xFFFFFFFFu

/* ---- RCTL ---- */
#define E1000_RCTL_EN		BIT(1)
#define E1000_RCTL_SBP		BIT(2)	/* store bad packets */
#define E1000_RCTL_UPE		BIT(3)	/* unicast promiscuous */
#define E1000_RCTL_MPE		BIT(4)	/* multicast promiscuous */
#define E1000_RCTL_LPE		BIT(5)	/* long packet enable */
#define E1000_RCTL_RDMTS_HALF	(0u << 8)
#define E1000_RCTL_MO_SHIFT		12
#define E1000_RCTL_BAM		BIT(15)	/* broadcast accept */
#define E1000_RCTL_BSEX		BIT(25)	/* buffer size extension */
#define E1000_RCTL_SECRC		BIT(26)	/* strip ethernet CRC */
/* BSIZE (bits 17:16) with BSEX: 4096-byte buffers */
#define E1000_RCTL_SZ_4096		(0x00030000 | E1000_RCTL_BSEX)

/* ---- TCTL ---- */
#define E1000_TCTL_EN		BIT(1)
#define E1000_TCTL_PSP		BIT(3)	/* pad short packets */
#define E1000_TCTL_CT_SHIFT		4
#define E1000_TCTL_COLD_SHIFT	12
#define E1000_TCTL_RTLC		BIT(24)
#define E1000_TCTL_CT_DEFAULT	0x0F
#define E1000_TCTL_COLD_FD		0x40

/* TIPG recommended values for copper parts */
#define E1000_TIPG_IPGT		10
#define E1000_TIPG_IPGR1		8
#define E1000_TIPG_IPGR2		6
#define E1000_TIPG_IPGR1_SHIFT	10
#define E1000_TIPG_IPGR2_SHIFT	20

/* ---- RXCSUM ---- */
#define E1000_RXCSUM_IPOFL		BIT(8)	/* IPv4 header checksum */
#define E1000_RXCSUM_TUOFL		BIT(9)	/* TCP/UDP checksum */

/* ---- RAH ---- */
#define E1000_RAH_AV		BIT(31)	/* address valid */

/* ---- Transmit descriptor fields ---- */
/* legacy descriptor: lower dword = length | CSO << 16 | CMD << 24 */
#define E1000_TXD_CMD_EOP		BIT(24)	/* end of packet */
#define E1000_TXD_CMD_IFCS		BIT(25)	/* insert FCS */
#define E1000_TXD_CMD_TSE		BIT(26)	/* TCP segmentation (ext.) */
#define E1000_TXD_CMD_RS		BIT(27)	/* report status */
#define E1000_TXD_CMD_DEXT		BIT(29)	/* extended descriptor */
#define E1000_TXD_DTYP_DATA		BIT(20)	/* extended: data desc */
#define E1000_TXD_DTYP_CTX		0	/* extended: context desc */
/* upper dword */
#define E1000_TXD_STAT_DD		BIT(0)	/* descriptor done */
#define E1000_TXD_POPTS_IXSM	BIT(8)	/* insert IP checksum */
#define E1000_TXD_POPTS_TXSM	BIT(9)	/* insert TCP/UDP checksum */
/* context descriptor TUCMD (bits 31:24 of cmd_and_length) */
#define E1000_TXC_TUCMD_TCP		BIT(24)	/* 1: TCP, 0: UDP */
#define E1000_TXC_TUCMD_IP		BIT(25)	/* 1: IPv4, 0: IPv6 */
#define E1000_TXC_TUCMD_TSE		BIT(26)
#define E1000_TXC_TUCMD_DEXT	BIT(29)
#define E1000_TXC_PAYLEN_MASK	GENMASK(19, 0)

/* ---- Receive descriptor fields ---- */
#define E1000_RXD_STAT_DD		BIT(0)
#define E1000_RXD_STAT_EOP		BIT(1)
#define E1000_RXD_STAT_IXSM		BIT(2)	/* ignore checksum indication */
#define E1000_RXD_STAT_TCPCS	BIT(5)	/* TCP/UDP checksum computed */
#define E1000_RXD_ERR_CE		BIT(0)	/* CRC/alignment */
#define E1000_RXD_ERR_SE		BIT(1)	/* symbol */
#define E1000_RXD_ERR_SEQ		BIT(2)	/* sequence */
#define E1000_RXD_ERR_CXE		BIT(4)	/* carrier extension */
#define E1000_RXD_ERR_TCPE		BIT(5)	/* TCP/UDP checksum error */
#define E1000_RXD_ERR_IPE		BIT(6)	/* IP checksum error */
#define E1000_RXD_ERR_RXE		BIT(7)	/* rx data error */
#define E1000_RXD_ERR_FRAME		(E1000_RXD_ERR_CE | \
					 E1000_RXD_ERR_SE | \
					 E1000_RXD_ERR_SEQ | \
					 E1000_RXD_ERR_CXE | \
					 E1000_RXD_ERR_RXE)

#endif /* _E1000_CSB_REGS_H_ */
