namespace BtfNotebooks.Tests.Elf;

/// <summary>
/// A small BPF C file with what a reader of clang objects meets: several program sections (two programs in one),
/// a static and a global .text subprogram (relocated differently), a subprogram calling another without a
/// relocation, 64-bit constants, a .bss variable (SHT_NOBITS, an R_BPF_64_64 relocation) and a license.
/// </summary>
public static class SampleObject
{
    public const string Source = """
        typedef unsigned char u8; typedef unsigned int u32; typedef unsigned long long u64;
        struct xdp_md { u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };
        struct __sk_buff { u32 len; };

        unsigned long long counter;

        static __attribute__((noinline)) u64 mix(u64 a, u64 b) { return a * 0x9e3779b97f4a7c15ULL + (b ^ (a >> 7)); }
        __attribute__((noinline)) u64 global_mix(u64 a) { return mix(a, 3) + 1; }

        __attribute__((section("xdp"), used)) int xdp_first(struct xdp_md *ctx)
        {
            u8 *d = (u8 *)(long)ctx->data, *e = (u8 *)(long)ctx->data_end;
            if (d + 8 > e) return 0;
            return (int)(mix(d[0], d[1]) + global_mix(d[2]));
        }

        __attribute__((section("xdp"), used)) int xdp_second(struct xdp_md *ctx) { return (int)mix(ctx->data_end - ctx->data, 0x1122334455667788ULL); }

        __attribute__((section("socket"), used)) int socket_counter(struct __sk_buff *skb) { counter += skb->len; return (int)counter; }

        __attribute__((section("tc"), used)) int tc_plain(struct __sk_buff *skb) { return skb->len > 100 ? 2 : 0; }

        char _license[] __attribute__((section("license"), used)) = "Dual BSD/GPL";
        """;

    public static readonly string[] EntryPrograms = ["xdp_first", "xdp_second", "socket_counter", "tc_plain"];
    public static readonly string[] Subprograms = ["mix", "global_mix"];
}
