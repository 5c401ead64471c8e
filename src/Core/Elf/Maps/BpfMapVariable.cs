namespace BtfNotebooks.Elf.Maps;

/// <summary>
/// One variable of a global-data map: a VAR of the section's DATASEC, at <see cref="Offset"/> in the map value.
/// <see cref="TypeId"/> is the VAR's own type id in the object's .BTF.
/// </summary>
public sealed record BpfMapVariable(string Name, uint Offset, uint Size, uint TypeId, Btf.BtfLinkage Linkage);
