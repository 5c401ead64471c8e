namespace BtfNotebooks.Elf.Maps;

/// <summary>
/// One entry of a map-in-map or prog-array set in its definition: index <see cref="Index"/> holds map
/// <see cref="Target"/> (an index into <see cref="BpfObjectFile.Maps"/>) or, for a prog-array, the program of that
/// name (<see cref="Target"/> is then -1).
/// </summary>
public sealed record BpfMapSlot(int Index, string Name, int Target);
