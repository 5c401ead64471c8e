using NUnit.Framework;

namespace BtfNotebooks.Tests.Layout;

/// <summary>The pahole reader on fixed pahole 1.24 output, so the comparison does not pass by reading nothing.</summary>
public class PaholeTextTests
{
    private const string Sample = """
        struct kobject {
        	const char  *              name;                 /*     0     8 */
        	struct kref                kref;                 /*    56     4 */
        	unsigned int               state_initialized:1;  /*    60: 0  4 */

        	/* XXX 31 bits hole, try to pack */

        	void                       (*release)(struct kobject *); /*    64     8 */
        	/* --- cacheline 1 boundary (64 bytes) --- */
        	struct {
        		enum {
        			A = 0,
        		} kind;                                      /*    72     4 */
        		struct {
        			int a;               /*     0     4 */
        		} * indirect;                  /*    80     8 */
        	} __attribute__((__aligned__(8))) pair[2];                 /*    72    16 */
        	const struct {
        		u32          pxx;                  /*    88     4 */
        	}; /*    88    4 */
        	long unsigned int          cpu_bitmap[];         /*    92     0 */

        	/* size: 96, cachelines: 2, members: 6 */
        	/* forced alignments: 1 */
        	/* last cacheline: 32 bytes */
        };
        union u {
        	int                        a;                    /*     0     4 */
        };
        """;

    [Test]
    public void ReadsMembersHolesCachelinesAndStatistics()
    {
        var types = PaholeText.Parse(Sample.Replace("\r", ""));
        Assert.That(types.Select(t => $"{t.Kind} {t.Name}"), Is.EqualTo(new[] { "struct kobject", "union u" }));
        Assert.That(types[0].Facts, Is.EqualTo(new[]
        {
            "m 0 name 0 8",
            "m 0 kref 56 4",
            "m 0 state_initialized 60:0 4 :1",
            "bithole 31",
            "m 0 release 64 8",
            "cl 1",
            "m 1 kind 72 4",
            "m 1 indirect 80 8",
            "m 0 pair 72 16",
            "m 1 pxx 88 4",
            "m 0 ~ 88 4",
            "m 0 cpu_bitmap 92 0",
            "sum size: 96, cachelines: 2, members: 6",
            "sum last cacheline: 32 bytes",
        }));
        Assert.That(types[1].Facts, Is.EqualTo(new[] { "m 0 a 0 4" }));
    }

    [Test]
    public void AnUnprintedNameMatchesAnyName()
    {
        Assert.That(PaholeText.Matches("m 0 ~ 1432 16", "m 0 bits 1432 16"), Is.True);
        Assert.That(PaholeText.Matches("m 0 ~ 1432 16", "m 0 bits 1436 16"), Is.False);
        Assert.That(PaholeText.Matches("m 0 a 0 4", "m 0 b 0 4"), Is.False);
    }
}
