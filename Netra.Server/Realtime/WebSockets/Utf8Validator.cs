using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Netra.Server.Realtime.WebSockets;

/// <summary>
/// Checks a text message's payload as UTF-8 while it arrives in pieces (RFC 6455, 8.1: a text message that is not valid
/// UTF-8 fails the connection). A character may be split across frames and reads, so the few bytes of one not finished
/// yet wait for the next piece; <see cref="End"/> says whether the message ended on a whole character.
/// </summary>
internal struct Utf8Validator
{
    // The start of a character not finished yet: at most 3 bytes (a 4-byte character's first three).
    private uint pending;
    private int pendingCount;

    /// <summary>Takes the next piece of the message; false once the bytes so far cannot be the start of valid UTF-8.</summary>
    public bool Append(ReadOnlySpan<byte> piece)
    {
        if (pendingCount > 0 && !FinishPending(ref piece))
        {
            return false;
        }

        if (piece.IsEmpty)
        {
            return true;
        }

        // Everything up to the last character's start is checked at once; that character, when the piece ends inside
        // it, must be a valid beginning and waits for its rest.
        var tail = UnfinishedTail(piece);
        if (!Utf8.IsValid(piece[..^tail]))
        {
            return false;
        }

        if (tail == 0)
        {
            return true;
        }

        if (Rune.DecodeFromUtf8(piece[^tail..], out _, out _) != OperationStatus.NeedMoreData)
        {
            return false;
        }

        Hold(piece[^tail..]);
        return true;
    }

    /// <summary>Whether the message ended on a whole character; makes the validator ready for the next message.</summary>
    public bool End()
    {
        var whole = pendingCount == 0;
        pending = 0;
        pendingCount = 0;
        return whole;
    }

    /// <summary>Completes the held character with the piece's first bytes (taking them from the piece).</summary>
    private bool FinishPending(ref ReadOnlySpan<byte> piece)
    {
        Span<byte> character = stackalloc byte[4];
        for (var i = 0; i < pendingCount; i++)
        {
            character[i] = (byte)(pending >> (8 * i));
        }

        var take = Math.Min(4 - pendingCount, piece.Length);
        piece[..take].CopyTo(character[pendingCount..]);
        var status = Rune.DecodeFromUtf8(character[..(pendingCount + take)], out _, out var consumed);
        if (status == OperationStatus.NeedMoreData)
        {
            Hold(character[..(pendingCount + take)]);
            piece = [];
            return true;
        }

        if (status != OperationStatus.Done)
        {
            return false;
        }

        piece = piece[(consumed - pendingCount)..];
        pending = 0;
        pendingCount = 0;
        return true;
    }

    private void Hold(ReadOnlySpan<byte> bytes)
    {
        pending = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            pending |= (uint)bytes[i] << (8 * i);
        }

        pendingCount = bytes.Length;
    }

    /// <summary>
    /// How many bytes at the end of <paramref name="piece"/> belong to a character it does not finish: the last lead
    /// byte within the last three bytes, when the length its bits announce runs past the end; otherwise 0.
    /// </summary>
    private static int UnfinishedTail(ReadOnlySpan<byte> piece)
    {
        for (var back = 1; back <= Math.Min(3, piece.Length); back++)
        {
            var value = piece[^back];
            if ((value & 0xC0) == 0x80)
            {
                continue; // a continuation byte: its lead is further back
            }

            var length = value switch { < 0x80 => 1, >= 0xC2 and <= 0xDF => 2, >= 0xE0 and <= 0xEF => 3, >= 0xF0 and <= 0xF4 => 4, _ => 0 };
            return length > back ? back : 0; // an invalid lead (length 0) is left for the whole check to refuse
        }

        return 0;
    }
}
