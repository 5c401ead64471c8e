using BtfNotebooks.Asm;

namespace BtfNotebooks.Elf.Maps;

/// <summary>
/// One lddw of a linked program that refers to a map: at <see cref="InstructionIndex"/> (slot <see cref="Slot"/>) of
/// <see cref="BpfObjectFile.LinkProgram"/>'s result, relocated against <see cref="Symbol"/> (for a
/// section symbol, which static variables are relocated against, the section's name). <see cref="Kind"/> is
/// <see cref="LoadImm64Kind.MapFd"/> for a map itself (its address) or <see cref="LoadImm64Kind.MapValue"/> for a
/// byte <see cref="Offset"/> into the value of a global-data map (a variable).
/// </summary>
public sealed record MapReference(int InstructionIndex, int Slot, int MapIndex, uint Offset, LoadImm64Kind Kind, string Symbol);
