namespace Netra.Server.Backplane;

internal enum GroupAction : byte
{
    Add = 1,
    Remove = 2,
}
