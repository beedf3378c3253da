using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;

namespace Netra.Server.Realtime.WebSockets;

/// <summary>The parts of RFC 6455's framing a server needs: client frames in (masked), server frames out (unmasked).</summary>
internal static class WebSocketFrames
{
    public const byte Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA;

    /// <summary>The longest header a server writes: two bytes and a 64-bit length.</summary>
    public const int MaxServerHeader = 10;

    /// <summary>Close codes (RFC 6455, 7.4.1) the transport sends.</summary>
    public const ushort NormalClosure = 1000, GoingAway = 1001, ProtocolError = 1002, InvalidPayload = 1007, InternalError = 1011;

    /// <summary>
    /// Reads one client frame header from the start of <paramref name="buffer"/>. False when the header is not all there
    /// yet; a header that breaks the protocol sets <paramref name="error"/> instead.
    /// </summary>
    public static bool TryReadHeader(ref ReadOnlySequence<byte> buffer, out FrameHeader header, out string? error)
    {
        header = default;
        error = null;
        Span<byte> bytes = stackalloc byte[14];
        var available = (int)Math.Min(buffer.Length, bytes.Length);
        if (available < 2)
        {
            return false;
        }

        buffer.Slice(0, available).CopyTo(bytes);
        var first = bytes[0];
        var second = bytes[1];
        var opcode = (byte)(first & 0x0F);
        error = (first & 0x70) != 0 ? "reserved bits set (no extension was agreed)"
            : (second & 0x80) == 0 ? "a client frame must be masked"
            : opcode is not (Continuation or Text or Binary or Close or Ping or Pong) ? $"unknown opcode {opcode}"
            : opcode >= Close && ((second & 0x7F) > 125 || (first & 0x80) == 0) ? "a control frame must be whole and at most 125 bytes"
            : null;
        if (error is not null)
        {
            return false;
        }

        var lengthBytes = (second & 0x7F) switch { 126 => 2, 127 => 8, _ => 0 };
        var size = 2 + lengthBytes + 4;
        if (available < size)
        {
            return false;
        }

        long length = lengthBytes switch
        {
            2 => BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]),
            8 => (long)BinaryPrimitives.ReadUInt64BigEndian(bytes[2..]),
            _ => second & 0x7F,
        };
        if (length < 0)
        {
            error = "frame length out of range";
            return false;
        }

        header = new FrameHeader(opcode, (first & 0x80) != 0, length, BinaryPrimitives.ReadUInt32LittleEndian(bytes[(2 + lengthBytes)..]));
        buffer = buffer.Slice(size);
        return true;
    }

    /// <summary>Unmasks <paramref name="data"/> in place; <paramref name="offset"/> is how far into the frame's payload it starts.</summary>
    public static void Unmask(Span<byte> data, uint mask, long offset)
    {
        // The key as it repeats from this position on, so that whole words can be XORed at once.
        var shift = (int)(offset & 3) * 8;
        var rotated = shift == 0 ? mask : BitOperations.RotateRight(mask, shift);
        var i = 0;
        if (data.Length >= 8)
        {
            var wide = ((ulong)rotated << 32) | rotated;
            for (; i + 8 <= data.Length; i += 8)
            {
                var word = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]) ^ wide;
                BinaryPrimitives.WriteUInt64LittleEndian(data[i..], word);
            }
        }

        for (; i < data.Length; i++)
        {
            data[i] ^= (byte)(rotated >> ((i & 3) * 8));
        }
    }

    /// <summary>Whether a close code may be sent (RFC 6455, 7.4): 1005, 1006 and 1015 only report, and 1004 is reserved.</summary>
    public static bool IsSendable(ushort code) => code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);

    /// <summary>How long the header <see cref="WriteHeader"/> writes for a payload of <paramref name="length"/> bytes is.</summary>
    public static int HeaderLength(long length) => length <= 125 ? 2 : length <= ushort.MaxValue ? 4 : MaxServerHeader;

    /// <summary>Writes a server frame's header for a whole (FIN) frame; returns its length.</summary>
    public static int WriteHeader(Span<byte> destination, byte opcode, long length)
    {
        destination[0] = (byte)(0x80 | opcode);
        if (length <= 125)
        {
            destination[1] = (byte)length;
            return 2;
        }

        if (length <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
            return 4;
        }

        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)length);
        return 10;
    }
}

/// <summary>A client frame's header: what it is, whether it ends its message, its payload's length and mask.</summary>
internal readonly record struct FrameHeader(byte Opcode, bool Fin, long Length, uint Mask);
