using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Netra.Server.Realtime.WebSockets;

/// <summary>
/// The head of an HTTP/1.1 request, read straight off a new connection, when it is a plain WebSocket handshake for one
/// path: <c>GET path[?query] HTTP/1.1</c> with <c>Upgrade: websocket</c>, <c>Connection: Upgrade</c>, version 13 and a
/// valid key. Anything else, or anything unusual in it (a body, a subprotocol, a negotiated connection's <c>id</c>, a
/// header repeated, a byte out of place), is not taken: the connection then goes to Kestrel's HTTP server as if this
/// had never looked at it, which answers it (or refuses it) the way it answers every other request.
/// </summary>
internal sealed class UpgradeRequest
{
    /// <summary>The longest head this reads; a longer one goes to Kestrel, whose limits answer it.</summary>
    public const int MaxHeadBytes = 8 * 1024;

    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    private UpgradeRequest(string key, string? origin, string? token, string? host, bool offersExtensions)
    {
        Key = key;
        Origin = origin;
        AccessToken = token;
        Host = host;
        OffersExtensions = offersExtensions;
    }

    /// <summary>The client's <c>Sec-WebSocket-Key</c>.</summary>
    public string Key { get; }

    /// <summary>The <c>Origin</c> header (browsers send it), or null.</summary>
    public string? Origin { get; }

    /// <summary>The bearer token, from <c>Authorization: Bearer</c> or the <c>access_token</c> query parameter, or null.</summary>
    public string? AccessToken { get; }

    /// <summary>The <c>Host</c> header.</summary>
    public string? Host { get; }

    /// <summary>
    /// Whether the client offered an extension (browsers offer permessage-deflate). Declining one is allowed: the answer
    /// then names none, and both sides frame without it.
    /// </summary>
    public bool OffersExtensions { get; }

    /// <summary>The handshake's answer for this request.</summary>
    public byte[] Accept()
    {
        Span<byte> keyAndGuid = stackalloc byte[24 + 36];
        Encoding.ASCII.GetBytes(Key, keyAndGuid);
        "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.CopyTo(keyAndGuid[24..]);
        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // RFC 6455 defines the answer with SHA-1; it proves the server read the handshake, it protects nothing
        SHA1.HashData(keyAndGuid, hash);
#pragma warning restore CA5350
        return Encoding.ASCII.GetBytes(
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: "
            + Convert.ToBase64String(hash) + "\r\n\r\n");
    }

    /// <summary>
    /// Reads the head at the start of <paramref name="buffer"/>, a handshake for the path <paramref name="prefix"/> names (its
    /// request line's start, <c>GET /ws</c>, in ASCII). <see cref="Verdict.Incomplete"/>: not all there yet (and
    /// nothing so far says it is not one); <see cref="Verdict.NotOurs"/>: leave the connection to Kestrel;
    /// <see cref="Verdict.Ours"/>: <paramref name="request"/> is set and <paramref name="end"/> is where the head ends.
    /// </summary>
    public static Verdict TryRead(ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> prefix, out UpgradeRequest? request, out SequencePosition end)
    {
        request = null;
        end = buffer.Start;
        var seen = (int)Math.Min(buffer.Length, prefix.Length + 1);
        Span<byte> start = stackalloc byte[seen];
        buffer.Slice(0, seen).CopyTo(start);
        if (!start.StartsWith(prefix[..Math.Min(seen, prefix.Length)]))
        {
            return Verdict.NotOurs;
        }

        if (seen > prefix.Length && start[^1] is not ((byte)' ' or (byte)'?'))
        {
            return Verdict.NotOurs; // another path that starts with this one
        }

        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> head, EndOfHead))
        {
            return buffer.Length >= MaxHeadBytes ? Verdict.NotOurs : Verdict.Incomplete;
        }

        if (head.Length > MaxHeadBytes)
        {
            return Verdict.NotOurs;
        }

        end = reader.Position;
        request = Parse(head.IsSingleSegment ? head.FirstSpan : head.ToArray(), prefix.Length);
        return request is null ? Verdict.NotOurs : Verdict.Ours;
    }

    private static UpgradeRequest? Parse(ReadOnlySpan<byte> head, int pathEnd)
    {
        foreach (var b in head)
        {
            if ((b < 0x20 && b is not ((byte)'\r' or (byte)'\n' or (byte)'\t')) || b >= 0x7F)
            {
                return null;
            }
        }

        var lineEnd = head.IndexOf("\r\n"u8);
        var line = lineEnd < 0 ? head : head[..lineEnd];
        if (!line.EndsWith(" HTTP/1.1"u8))
        {
            return null;
        }

        var target = line[pathEnd..^" HTTP/1.1"u8.Length];
        string? token = null;
        if (!target.IsEmpty && !TryReadQuery(target, out token))
        {
            return null;
        }

        var fields = new string?[(int)Header.Count];
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            var next = rest.IndexOf("\r\n"u8);
            var header = next < 0 ? rest : rest[..next];
            rest = next < 0 ? [] : rest[(next + 2)..];
            var colon = header.IndexOf((byte)':');
            if (colon <= 0 || header[0] is (byte)' ' or (byte)'\t' || header[colon - 1] is (byte)' ' or (byte)'\t' || header.Contains((byte)'\n'))
            {
                return null; // a line folded, a space before the colon, a bare LF: Kestrel's to judge
            }

            var slot = Name(header[..colon]);
            if (slot == Header.Other)
            {
                continue;
            }

            if (slot == Header.Refused || fields[(int)slot] is not null)
            {
                return null; // something the standard path handles, or a header repeated
            }

            fields[(int)slot] = Encoding.ASCII.GetString(header[(colon + 1)..]).Trim(' ', '\t');
        }

        var (host, upgrade, connection, key) = (fields[(int)Header.Host], fields[(int)Header.Upgrade], fields[(int)Header.Connection], fields[(int)Header.Key]);
        var (version, origin, authorization) = (fields[(int)Header.Version], fields[(int)Header.Origin], fields[(int)Header.Authorization]);
        var extensions = fields[(int)Header.Extensions];
        if (host is null || version != "13" || key is null || !IsKey(key)
            || !string.Equals(upgrade, "websocket", StringComparison.OrdinalIgnoreCase)
            || connection is null || !connection.Split(',').Any(t => t.Trim().Equals("upgrade", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        if (authorization is not null)
        {
            if (token is not null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            token = authorization["Bearer ".Length..].Trim();
        }

        return new UpgradeRequest(key, origin, token, host, extensions is not null);
    }

    /// <summary>The query: <c>access_token</c> is read, SignalR's <c>id</c> (a negotiated connection) is not taken, the rest is ignored.</summary>
    private static bool TryReadQuery(ReadOnlySpan<byte> target, out string? token)
    {
        token = null;
        if (target[0] != (byte)'?')
        {
            return false;
        }

        foreach (var pair in Encoding.ASCII.GetString(target[1..]).Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = WebUtility.UrlDecode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : WebUtility.UrlDecode(pair[(equals + 1)..]);
            if (name == "id" || (name == "access_token" && token is not null))
            {
                return false;
            }

            if (name == "access_token")
            {
                token = value;
            }
        }

        return true;
    }

    private static bool IsKey(string key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key.Length == 24 && Base64.DecodeFromUtf8(Encoding.ASCII.GetBytes(key), decoded, out _, out var written) == OperationStatus.Done && written == 16;
    }

    private static Header Name(ReadOnlySpan<byte> name)
    {
        Span<byte> lower = stackalloc byte[Math.Min(name.Length, 32)];
        if (name.Length > 32)
        {
            return Header.Other;
        }

        for (var i = 0; i < name.Length; i++)
        {
            lower[i] = name[i] is >= (byte)'A' and <= (byte)'Z' ? (byte)(name[i] | 0x20) : name[i];
        }

        return lower switch
        {
            _ when lower.SequenceEqual("host"u8) => Header.Host,
            _ when lower.SequenceEqual("upgrade"u8) => Header.Upgrade,
            _ when lower.SequenceEqual("connection"u8) => Header.Connection,
            _ when lower.SequenceEqual("sec-websocket-key"u8) => Header.Key,
            _ when lower.SequenceEqual("sec-websocket-version"u8) => Header.Version,
            _ when lower.SequenceEqual("origin"u8) => Header.Origin,
            _ when lower.SequenceEqual("authorization"u8) => Header.Authorization,
            _ when lower.SequenceEqual("sec-websocket-extensions"u8) => Header.Extensions,
            // A body or a subprotocol: the standard path knows what to do with them.
            _ when lower.SequenceEqual("content-length"u8) || lower.SequenceEqual("transfer-encoding"u8)
                || lower.SequenceEqual("sec-websocket-protocol"u8) => Header.Refused,
            _ => Header.Other,
        };
    }

    public enum Verdict
    {
        Incomplete,
        NotOurs,
        Ours,
    }

    private enum Header
    {
        Other,
        Refused,
        Host,
        Upgrade,
        Connection,
        Key,
        Version,
        Origin,
        Authorization,
        Extensions,
        Count,
    }
}
