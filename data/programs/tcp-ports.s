; Sum of the TCP source and destination ports of an Ethernet/IPv4/TCP packet (r1 = packet, r2 = length),
; or -1 when the packet is too short or not IPv4/TCP. LLVM pseudo-C syntax, as llvm-objdump prints it.
	r3 = r1
	r3 += r2                    ; r3 = end of packet
	r4 = r1
	r4 += 34                    ; Ethernet (14) + IPv4 without options (20)
	if r4 > r3 goto bad
	r5 = *(u16 *)(r1 + 12)
	r5 = be16 r5
	if r5 != 0x800 goto bad     ; EtherType IPv4
	r5 = *(u8 *)(r1 + 23)
	if r5 != 6 goto bad         ; protocol TCP
	r5 = *(u8 *)(r1 + 14)
	r5 &= 0xf
	r5 <<= 2                    ; IPv4 header length
	r4 = r1
	r4 += 14
	r4 += r5                    ; start of TCP
	r6 = r4
	r6 += 4
	if r6 > r3 goto bad
	r0 = *(u16 *)(r4 + 0)
	r0 = be16 r0
	r5 = *(u16 *)(r4 + 2)
	r5 = be16 r5
	r0 += r5
	exit
bad:
	r0 = -1
	exit
