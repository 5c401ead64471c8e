namespace BtfNotebooks.Btf.CDump;

/// <summary>
/// One run of the C dumper over a spec: naming, ordering and emission state shared by every type dumped, so a
/// type printed for one root is not printed again for the next (libbpf's struct btf_dump).
/// </summary>
internal sealed class CDumpSession
{
    private readonly CDeclarationOrder _order;
    private readonly CTypeEmitter _emitter;
    private readonly List<uint> _queue = new();

    public CDumpSession(BtfSpec spec, TextWriter output, CHeaderOptions options)
    {
        Spec = spec;
        Output = new CCodeWriter(output);
        Names = new CDumpNames();
        Writer = new CDeclarationWriter(spec, Names, Output, options);
        _order = new CDeclarationOrder(spec);
        _emitter = new CTypeEmitter(spec, Writer, Output);
    }

    public BtfSpec Spec { get; }
    public CCodeWriter Output { get; }
    public CDumpNames Names { get; }
    public CDeclarationWriter Writer { get; }

    /// <summary>Counts the references made by these types (before dumping anything that may depend on them).</summary>
    public void MarkReferencesFrom(IEnumerable<BtfType> types) => _order.MarkReferencesFrom(types);

    /// <summary>Prints <paramref name="id"/> and every type it needs that was not printed yet.</summary>
    public void Dump(uint id)
    {
        _queue.Clear();
        _order.Order(id, _queue);
        foreach (uint queued in _queue) _emitter.EmitTopLevel(queued);
    }
}
