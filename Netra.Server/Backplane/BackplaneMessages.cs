using System.Text;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Netra.Server.Backplane;

/// <summary>
/// The bytes that travel over Redis. An invocation is serialized once per hub protocol on the
/// sending node (never once per receiver): <c>[seq][excluded connection ids][(protocol, payload)...]</c>;
/// receivers hand the payload for a connection's protocol straight to its transport.
/// </summary>
internal static class BackplaneMessages
{
    private const byte FormatVersion = 2;

    public static byte[] WriteInvocation(string methodName, object?[] args, IReadOnlyList<string>? excludedConnectionIds, IReadOnlyList<IHubProtocol> protocols)
    {
        var message = new InvocationMessage(methodName, args);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(FormatVersion);
            writer.Write(SerializedInvocation.SeqOf(args));
            writer.Write(excludedConnectionIds?.Count ?? 0);
            foreach (var id in excludedConnectionIds ?? [])
            {
                writer.Write(id);
            }

            writer.Write(protocols.Count);
            foreach (var protocol in protocols)
            {
                var payload = protocol.GetMessageBytes(message);
                writer.Write(protocol.Name);
                writer.Write(payload.Length);
                writer.Write(payload.Span);
            }
        }

        return stream.ToArray();
    }

    public static SerializedInvocation ReadInvocation(byte[] data)
    {
        using var reader = Open(data);
        var seq = reader.ReadInt64();
        var excluded = new string[reader.ReadInt32()];
        for (var i = 0; i < excluded.Length; i++)
        {
            excluded[i] = reader.ReadString();
        }

        var serialized = new SerializedMessage[reader.ReadInt32()];
        for (var i = 0; i < serialized.Length; i++)
        {
            var name = reader.ReadString();
            var payload = reader.ReadBytes(reader.ReadInt32());
            serialized[i] = new SerializedMessage(name, payload);
        }

        return new SerializedInvocation(new SerializedHubMessage(serialized), excluded, seq);
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
            throw new InvalidDataException($"Backplane message format {version} is not supported (this node speaks {FormatVersion}).");
        }

        return reader;
    }
}
