using System.Text;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Netra.Server.Backplane;

/// <summary>
/// The bytes that travel over Redis. An invocation is serialized once per hub protocol on the
/// sending node (never once per receiver):
/// <c>[origin node][target][seq][excluded connection ids][part count][(protocol, part lengths, payload)...]</c>, where the
/// target is the user or connection a send on the node-wide users or connections channel is for (empty on the others); receivers hand
/// the payload for a connection's protocol straight to its transport. A run of durable events
/// (<see cref="SerializedInvocation.Run"/>) has a part count above 0 and its records' lengths, so that a
/// receiver can also send them one by one; a single invocation has 0 parts. The origin node has written
/// the invocation to its own connections already and skips it when it comes back.
/// </summary>
internal static class BackplaneMessages
{
    public const byte FormatVersion = 5;

    public static byte[] WriteInvocation(string origin, SerializedInvocation invocation, IReadOnlyList<IHubProtocol> protocols, string target = "")
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(FormatVersion);
            writer.Write(origin);
            writer.Write(target);
            writer.Write(invocation.Seq);
            writer.Write(invocation.ExcludedConnectionIds.Count);
            foreach (var id in invocation.ExcludedConnectionIds)
            {
                writer.Write(id);
            }

            var parts = invocation.Parts ?? [];
            writer.Write(parts.Count);
            writer.Write(protocols.Count);
            foreach (var protocol in protocols)
            {
                writer.Write(protocol.Name);
                foreach (var part in parts)
                {
                    writer.Write(part.GetSerializedMessage(protocol).Length);
                }

                var payload = invocation.Message.GetSerializedMessage(protocol);
                writer.Write(payload.Length);
                writer.Write(payload.Span);
            }
        }

        return stream.ToArray();
    }

    /// <summary>The invocation in <paramref name="data"/>, or null when <paramref name="self"/> sent it (its connections have it already).</summary>
    public static SerializedInvocation? ReadInvocation(byte[] data, string self) => ReadInvocation(data, self, out _);

    /// <summary>The invocation and the user or connection it is for (<paramref name="target"/>); null for this node's own.</summary>
    public static SerializedInvocation? ReadInvocation(byte[] data, string self, out string target)
    {
        using var reader = Open(data);
        var origin = reader.ReadString();
        target = reader.ReadString();
        if (string.Equals(origin, self, StringComparison.Ordinal))
        {
            return null;
        }

        var seq = reader.ReadInt64();
        var excluded = new string[reader.ReadInt32()];
        for (var i = 0; i < excluded.Length; i++)
        {
            excluded[i] = reader.ReadString();
        }

        var partCount = reader.ReadInt32();
        var protocolCount = reader.ReadInt32();
        if (partCount < 0 || protocolCount < 0)
        {
            throw new InvalidDataException($"Invalid backplane invocation: {partCount} parts, {protocolCount} protocols.");
        }

        var serialized = new SerializedMessage[protocolCount];
        var parts = new SerializedMessage[partCount][];
        for (var p = 0; p < partCount; p++)
        {
            parts[p] = new SerializedMessage[protocolCount];
        }

        for (var i = 0; i < protocolCount; i++)
        {
            var name = reader.ReadString();
            var lengths = new int[partCount];
            for (var p = 0; p < partCount; p++)
            {
                lengths[p] = reader.ReadInt32();
            }

            var payload = reader.ReadBytes(reader.ReadInt32());
            serialized[i] = new SerializedMessage(name, payload);
            var offset = 0;
            for (var p = 0; p < partCount; p++)
            {
                if (lengths[p] < 0 || lengths[p] > payload.Length - offset)
                {
                    throw new InvalidDataException($"Invalid backplane invocation: part {p} of protocol {name} overruns its payload.");
                }

                parts[p][i] = new SerializedMessage(name, payload.AsMemory(offset, lengths[p]));
                offset += lengths[p];
            }
        }

        var runParts = partCount == 0 ? null : Array.ConvertAll(parts, part => new SerializedHubMessage(part));
        return new SerializedInvocation(new SerializedHubMessage(serialized), excluded, seq, runParts, serialized);
    }

    public static byte[] WriteGroupCommand(GroupCommand command)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(FormatVersion);
            writer.Write(command.Id);
            writer.Write(command.ServerName);
            writer.Write((byte)command.Action);
            writer.Write(command.ConnectionId);
            writer.Write(command.GroupName);
        }

        return stream.ToArray();
    }

    public static GroupCommand ReadGroupCommand(byte[] data)
    {
        using var reader = Open(data);
        var id = reader.ReadInt32();
        var serverName = reader.ReadString();
        var action = (GroupAction)reader.ReadByte();
        if (action is not (GroupAction.Add or GroupAction.Remove))
        {
            throw new InvalidDataException($"Unknown group action {(byte)action}.");
        }

        return new GroupCommand(id, serverName, action, reader.ReadString(), reader.ReadString());
    }

    public static byte[] WriteAck(int id)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(FormatVersion);
            writer.Write(id);
        }

        return stream.ToArray();
    }

    public static int ReadAck(byte[] data)
    {
        using var reader = Open(data);
        return reader.ReadInt32();
    }

    private static BinaryReader Open(byte[] data)
    {
        var reader = new BinaryReader(new MemoryStream(data, writable: false), Encoding.UTF8);
        var version = reader.ReadByte();
        if (version != FormatVersion)
        {
            reader.Dispose();
            throw new BackplaneFormatException(version);
        }

        return reader;
    }
}

/// <summary>A backplane message of another format: a node of another Netra version shares this Redis.</summary>
internal sealed class BackplaneFormatException(byte version)
    : Exception($"Backplane message format {version} is not supported (this node speaks {BackplaneMessages.FormatVersion}).")
{
    public byte Version { get; } = version;
}
