using System.Net;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Netra.Contracts.Chat;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Realtime;

/// <summary>
/// Netra's own WebSocket transport (<c>Realtime/WebSockets</c>): a handshake without negotiate is read off the socket and
/// served there; everything else, and every refusal, is ASP.NET Core's as before. Hostile frames close only the
/// connection that sent them, with 1002 (1007 for text that is not UTF-8), and the server goes on serving everyone else.
/// </summary>
public sealed class DirectWebSocketsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private NetraTestServer Server => fixture.Server;

    [Fact]
    public async Task AHandshakeWithoutNegotiateIsAnsweredByTheTransportAndTheHubWorks()
    {
        var user = await fixture.Api.CreateUserAsync("dws");
        const string key = "x3JJHMbDL1EzLkh9GBhXDw==";
        await using var socket = await RawWebSocket.ConnectAsync(Server, user.Token, key);

        var head = socket.ResponseHead.Split("\r\n");
        head[0].Should().Be("HTTP/1.1 101 Switching Protocols");
        head.Should().Contain("Sec-WebSocket-Accept: " + RawWebSocket.AcceptFor(key));
        head.Should().NotContain(line => line.StartsWith("Date:", StringComparison.Ordinal), "Kestrel's HTTP server, which dates every answer, did not answer it");
        await socket.SendTextAsync("""{"type":1,"invocationId":"1","target":"Ping","arguments":[]}""" + "\u001e");
        (await NextCompletionAsync(socket, "1")).TryGetProperty("error", out _).Should().BeFalse();
    }

    [Fact]
    public async Task AMessageSplitIntoFramesAndSentOneByteAtATimeArrivesWhole()
    {
        var user = await fixture.Api.CreateUserAsync("dwf");
        await using var socket = await RawWebSocket.ConnectAsync(Server, user.Token);
        var invocation = Encoding.UTF8.GetBytes("""{"type":1,"invocationId":"7","target":"Ping","arguments":[]}""" + "\u001e");

        var frames = RawWebSocket.Frame(0x1, invocation[..10], fin: false)
            .Concat(RawWebSocket.Frame(0x9, Encoding.UTF8.GetBytes("mid"))) // a ping may come between a message's frames
            .Concat(RawWebSocket.Frame(0x0, invocation[10..30], fin: false))
            .Concat(RawWebSocket.Frame(0x0, invocation[30..]))
            .ToArray();
        await socket.WriteByteByByteAsync(frames);

        var pong = await socket.ReadFrameAsync();
        while (pong is { Opcode: 0x1 })
        {
            pong = await socket.ReadFrameAsync(); // what the server sent meanwhile (ConnectionEstablished, pings)
        }

        pong.Should().NotBeNull();
        pong!.Value.Opcode.Should().Be(0xA);
        Encoding.UTF8.GetString(pong.Value.Payload).Should().Be("mid", "a pong carries the ping's payload");
        (await NextCompletionAsync(socket, "7")).TryGetProperty("error", out _).Should().BeFalse();
    }

    [Fact]
    public async Task ABrowsersHandshakeIsTakenWithItsCompressionOfferDeclinedAndAHeaderTokenToo()
    {
        var user = await fixture.Api.CreateUserAsync("dwo");
        await using var socket = await RawWebSocket.OpenAsync(Server);

        await socket.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET /ws HTTP/1.1\r\nHost: {Server.BaseAddress.Authority}\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
            + $"Origin: http://{Server.BaseAddress.Authority}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + $"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\nAuthorization: Bearer {user.Token}\r\nUser-Agent: test\r\n\r\n"));
        await socket.ReadHeadAsync();

        socket.ResponseHead.Should().StartWith("HTTP/1.1 101 ");
        socket.ResponseHead.Should().NotContain("Date:", "Netra's transport answered it");
        socket.ResponseHead.Should().NotContain("Sec-WebSocket-Extensions", "no extension is agreed");
    }

    [Fact]
    public async Task AHandshakeSentOneByteAtATimeIsStillTaken()
    {
        var user = await fixture.Api.CreateUserAsync("dwb");
        await using var socket = await RawWebSocket.OpenAsync(Server);

        await socket.WriteByteByByteAsync(Encoding.ASCII.GetBytes(RawWebSocket.HandshakeHead(Server, user.Token)));
        await socket.ReadHeadAsync();

        socket.ResponseHead.Should().StartWith("HTTP/1.1 101 ");
    }

    [Fact]
    public async Task TheClientsCloseIsAnsweredWithItsCodeAndTheSocketEnds()
    {
        var user = await fixture.Api.CreateUserAsync("dwc");
        await using var socket = await RawWebSocket.ConnectAsync(Server, user.Token);

        await socket.SendFrameAsync(RawWebSocket.Frame(0x8, [0x03, 0xE9])); // 1001, going away
        var close = await socket.ReadCloseAsync();

        close.Should().Be(1001);
        (await socket.EndedByServerAsync()).Should().BeTrue();
    }

    public static TheoryData<string, byte[]> HostileFrames() => new()
    {
        { "unmasked", RawWebSocket.Frame(0x1, Encoding.UTF8.GetBytes("{}\u001e"), masked: false) },
        { "reserved bit (no extension agreed)", RawWebSocket.Frame(0x1, Encoding.UTF8.GetBytes("{}\u001e"), firstByteExtra: 0x40) },
        { "unknown opcode", RawWebSocket.Frame(0x3, [1, 2, 3]) },
        { "control frame over 125 bytes", RawWebSocket.Frame(0x9, new byte[126]) },
        { "fragmented control frame", RawWebSocket.Frame(0x9, [1], fin: false) },
        { "continuation with no message", RawWebSocket.Frame(0x0, Encoding.UTF8.GetBytes("{}")) },
        { "new message inside a fragmented one", [.. RawWebSocket.Frame(0x1, [0x7B], fin: false), .. RawWebSocket.Frame(0x1, [0x7D])] },
        { "64-bit length with its top bit set", RawWebSocket.Frame(0x2, [], claimedLength: 0x8000_0000_0000_0000) },
        { "close frame with a one-byte payload", RawWebSocket.Frame(0x8, [0x03]) },
    };

    [Theory]
    [MemberData(nameof(HostileFrames))]
    public Task AFrameThatBreaksTheProtocolClosesThatConnectionWith1002AndNoOther(string kind, byte[] frame) =>
        ClosesOnlyTheSenderAsync(kind, frame, 1002);

    public static TheoryData<string, byte[]> InvalidText() => new()
    {
        { "a byte that is never UTF-8", RawWebSocket.Frame(0x1, [0x7B, 0xFF, 0x7D, 0x1E]) },
        { "a surrogate half", RawWebSocket.Frame(0x1, [0x7B, 0xED, 0xA0, 0x80, 0x7D, 0x1E]) },
        { "a character begun in one frame and broken in the next", [.. RawWebSocket.Frame(0x1, [0x7B, 0xE2], fin: false), .. RawWebSocket.Frame(0x0, [0x41, 0x7D, 0x1E])] },
        { "a message that ends inside a character", RawWebSocket.Frame(0x1, [0x7B, 0x7D, 0x1E, 0xE2, 0x82]) },
        { "an empty last frame after a cut character", [.. RawWebSocket.Frame(0x1, [0x7B, 0xE2, 0x82], fin: false), .. RawWebSocket.Frame(0x0, [])] },
        { "a close reason that is not UTF-8", RawWebSocket.Frame(0x8, [0x03, 0xE8, 0xC0, 0xAF]) },
    };

    [Theory]
    [MemberData(nameof(InvalidText))]
    public Task TextThatIsNotUtf8ClosesThatConnectionWith1007AndNoOther(string kind, byte[] frames) =>
        ClosesOnlyTheSenderAsync(kind, frames, 1007);

    [Fact]
    public async Task ARecordInATextMessageThatEndsInsideACharacterIsNeverActedOn()
    {
        var (alice, bob) = (await fixture.Api.CreateUserAsync("dwr"), await fixture.Api.CreateUserAsync("dwr"));
        var chat = await fixture.Api.CreateChatAsync(alice, bob);
        string Send(string id, string content) =>
            $$"""{"type":1,"invocationId":"{{id}}","target":"SendMessage","arguments":[{"chatId":{{chat.Id}},"content":"{{content}}","clientMessageId":"{{id}}"}]}""" + "\u001e";

        await using (var socket = await RawWebSocket.ConnectAsync(Server, alice.Token))
        {
            // A whole invocation, then two bytes of a three-byte character, in one final text frame: the message is not
            // UTF-8, so the connection fails with 1007 and the hub never sees the invocation.
            await socket.WriteAsync(RawWebSocket.Frame(0x1, [.. Encoding.UTF8.GetBytes(Send("bad", "from a broken message")), 0xE2, 0x82]));

            (await socket.ReadCloseAsync()).Should().Be(1007);
            (await socket.EndedByServerAsync()).Should().BeTrue();
        }

        await using (var socket = await RawWebSocket.ConnectAsync(Server, alice.Token))
        {
            await socket.SendTextAsync(Send("good", "after it"));
            var completion = await NextCompletionAsync(socket, "good");
            completion.TryGetProperty("error", out _).Should().BeFalse(completion.ToString());
        }

        (await fixture.Api.GetMessagesAsync(alice, chat.Id)).Select(message => message.Content).Should().Equal("after it");
    }

    [Fact]
    public async Task ACharacterSplitAcrossFramesAndReadsArrivesWhole()
    {
        var user = await fixture.Api.CreateUserAsync("dwu");
        await using var socket = await RawWebSocket.ConnectAsync(Server, user.Token);
        const string id = "€𝄞ü";
        var invocation = Encoding.UTF8.GetBytes("{\"type\":1,\"invocationId\":\"" + id + "\",\"target\":\"Ping\",\"arguments\":[]}\u001e");
        var euro = invocation.AsSpan().IndexOf((byte)0xE2);

        var frames = RawWebSocket.Frame(0x1, invocation[..(euro + 1)], fin: false) // '€' split after its first byte
            .Concat(RawWebSocket.Frame(0x0, invocation[(euro + 1)..(euro + 5)], fin: false)) // and '𝄞' after its second
            .Concat(RawWebSocket.Frame(0x0, invocation[(euro + 5)..]))
            .ToArray();
        await socket.WriteByteByByteAsync(frames);

        (await NextCompletionAsync(socket, id)).TryGetProperty("error", out _).Should().BeFalse();
    }

    private async Task ClosesOnlyTheSenderAsync(string kind, byte[] frames, int code)
    {
        var user = await fixture.Api.CreateUserAsync("dwh");
        await using var bystander = await RawWebSocket.ConnectAsync(Server, user.Token);
        await using var socket = await RawWebSocket.ConnectAsync(Server, user.Token);

        await socket.WriteAsync(frames);

        (await socket.ReadCloseAsync()).Should().Be(code, kind);
        (await socket.EndedByServerAsync()).Should().BeTrue(kind);
        await bystander.SendTextAsync("""{"type":1,"invocationId":"2","target":"Ping","arguments":[]}""" + "\u001e");
        (await NextCompletionAsync(bystander, "2")).TryGetProperty("error", out _).Should().BeFalse("the other connection is untouched by " + kind);
        Server.Logs.Lines.Should().Contain(line => line.EventId.Id == 4007, "the protocol error is logged");
        Server.Logs.Lines.Should().NotContain(line => line.Level >= LogLevel.Error, "a client's bad frame is the client's error, not the server's");
    }

    [Fact]
    public async Task TheSocketEndingInTheMiddleOfAFrameEndsOnlyThatConnection()
    {
        var user = await fixture.Api.CreateUserAsync("dwe");
        var socket = await RawWebSocket.ConnectAsync(Server, user.Token);
        await socket.WriteAsync(RawWebSocket.Frame(0x1, new byte[300])[..40]);
        await socket.DisposeAsync();

        await using var next = await RawWebSocket.ConnectAsync(Server, user.Token);
        await next.SendTextAsync("""{"type":1,"invocationId":"3","target":"Ping","arguments":[]}""" + "\u001e");
        (await NextCompletionAsync(next, "3")).TryGetProperty("error", out _).Should().BeFalse();
        Server.Logs.Lines.Should().NotContain(line => line.Level >= LogLevel.Error, "a client that goes away is no error of the server's");
    }

    [Fact]
    public async Task AnHttpRequestOnAConnectionIsLeftToKestrelEvenWhenItsHeadComesInPieces()
    {
        await using var socket = await RawWebSocket.OpenAsync(Server);

        var head = Encoding.ASCII.GetBytes($"GET /health/live HTTP/1.1\r\nHost: {Server.BaseAddress.Authority}\r\n\r\n");
        await socket.WriteByteByByteAsync(head);
        await socket.ReadHeadAsync();

        socket.ResponseHead.Should().StartWith("HTTP/1.1 200 ");
    }

    public static TheoryData<string, string> HandshakesLeftToAspNetCore() => new()
    {
        { "another path that starts with /ws", "GET /wsx HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" },
        { "a key that is not 16 bytes", "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n" },
        { "version 8", "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n" },
        { "a repeated key", "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" },
        { "a body", "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 2\r\n\r\n{}" },
        { "HTTP/1.0", "GET /ws HTTP/1.0\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" },
        { "a control character in a header", "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Odd: a\u0001b\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(HandshakesLeftToAspNetCore))]
    public async Task AHandshakeTheTransportDoesNotTakeIsAnsweredByAspNetCore(string kind, string head)
    {
        var user = await fixture.Api.CreateUserAsync("dwk");
        await using var socket = await RawWebSocket.OpenAsync(Server);

        await socket.WriteAsync(Encoding.ASCII.GetBytes(head.Replace("GET /ws ", $"GET /ws?access_token={Uri.EscapeDataString(user.Token)} ", StringComparison.Ordinal)));
        await socket.ReadHeadAsync();

        // Whatever ASP.NET Core makes of it (it refuses most; it upgrades an HTTP/1.0 one), it is Kestrel's answer.
        socket.ResponseHead.Should().MatchRegex("^HTTP/1.1 [1-5][0-9][0-9] ", kind);
        socket.ResponseHead.Should().Contain("Date: ", kind + ": Kestrel's HTTP server answered it");
    }

    [Fact]
    public async Task RefusedHandshakesGetTheHttpPipelinesAnswersWithTheirCodes()
    {
        var user = await fixture.Api.CreateUserAsync("dwr");

        (await BareHandshake.OpenAsync(Server, "not-a-jwt")).Status.Should().Be(HttpStatusCode.Unauthorized);
        (await BareHandshake.OpenAsync(Server, user.Token, origin: "https://evil.example")).Status.Should().Be(HttpStatusCode.Forbidden);
        (await BareHandshake.OpenAsync(Server, user.Token)).Status.Should().Be(HttpStatusCode.SwitchingProtocols);

        await using var socket = await RawWebSocket.OpenAsync(Server);
        await socket.WriteAsync(Encoding.ASCII.GetBytes(RawWebSocket.HandshakeHead(Server, TestTokens.Create(user.Id, expires: DateTime.UtcNow.AddMinutes(-5)))));
        await socket.ReadHeadAsync();
        socket.ResponseHead.Should().StartWith("HTTP/1.1 401 ");
    }

    [Fact]
    public async Task ADirectConnectionIsClosedWhenItsTokenExpires()
    {
        var user = await fixture.Api.CreateUserAsync("dwx");
        await using var socket = await RawWebSocket.ConnectAsync(Server, TestTokens.Create(user.Id, expires: DateTime.UtcNow.AddSeconds(3)));

        (await socket.EndedByServerAsync()).Should().BeTrue("the token expired 3 s after it was issued");
    }

    [Fact]
    public async Task TheServerPingsADirectConnectionAndDropsOneThatSendsNothing()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var server = await NetraTestServer.StartAsync(database, new Dictionary<string, string?>
        {
            ["Netra:Realtime:KeepAliveSeconds"] = "1",
            ["Netra:Realtime:ClientTimeoutSeconds"] = "2",
        });
        var user = await new NetraApi(server).CreateUserAsync("dwp");
        await using var socket = await RawWebSocket.ConnectAsync(server, user.Token);

        var pinged = false;
        while (await socket.ReadFrameAsync() is { } frame)
        {
            pinged |= frame.Opcode == 0x1 && Encoding.UTF8.GetString(frame.Payload) == "{\"type\":6}\u001e";
        }

        pinged.Should().BeTrue("the hub's keep-alive runs on Kestrel's heartbeat for this transport too");
        server.Logs.Lines.Should().Contain(line => line.EventId.Id == 4004, "the client timeout closed it, 2 s after it last sent anything");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FramesOfEveryHeaderLengthArriveWholeWhetherSentOnTheSocketOrThroughKestrelsPipe(bool sendOnSocket)
    {
        await using var setup = await SendingChat.StartAsync(sendOnSocket, "dha", "dhb");
        var (server, chat, alice, bob) = (setup.Server, setup.Chat, setup.Users[0], setup.Users[1]);
        await using (var sender = await UserClient.ConnectAsync(server, alice))
        {
            for (var i = 0; i < 20; i++)
            {
                await sender.SendAsync(chat.Id, $"{i:D2}" + new string((char)('a' + i), 3998));
            }
        }

        await using var socket = await RawWebSocket.ConnectAsync(server, bob.Token);
        await socket.SendTextAsync("""{"type":1,"invocationId":"p","target":"Ping","arguments":[]}""" + "\u001e");
        (await NextCompletionAsync(socket, "p")).TryGetProperty("error", out _).Should().BeFalse("a frame with a 7-bit length");

        // Twenty messages of 4,000 characters caught up in one completion: a frame with a 64-bit length.
        await socket.SendTextAsync($$"""{"type":1,"invocationId":"s","target":"Subscribe","arguments":["chat:{{chat.Id}}",0]}""" + "\u001e");
        var missed = (await NextCompletionAsync(socket, "s")).GetProperty("result").GetProperty("missed").EnumerateArray()
            .Select(message => message.GetProperty("content").GetString()).ToList();
        missed.Should().Equal(Enumerable.Range(0, 20).Select(i => $"{i:D2}" + new string((char)('a' + i), 3998)));

        // One live message of 4,000 characters: a frame with a 16-bit length.
        await using (var sender = await UserClient.ConnectAsync(server, alice))
        {
            await sender.SendAsync(chat.Id, new string('z', 4000));
        }

        string live;
        do
        {
            live = await socket.ReadTextAsync();
        }
        while (!live.Contains("\"content\":\"zzz", StringComparison.Ordinal));

        live.Should().Contain(new string('z', 4000));
        server.Logs.Lines.Should().Contain(line => line.EventId.Id == 4006 && line.Message.Contains(sendOnSocket ? "sends on the socket" : "sends through Kestrel's pipe", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AReceiverResetWhileMessagesFlowToItIsDroppedAndEveryoneElseGetsThemAll(bool sendOnSocket)
    {
        await using var setup = await SendingChat.StartAsync(sendOnSocket, "dra", "drb", "drc");
        var (server, chat, alice, bob, carol) = (setup.Server, setup.Chat, setup.Users[0], setup.Users[1], setup.Users[2]);
        await using var sender = await UserClient.ConnectAsync(server, alice);
        await using var dropped = await RawWebSocket.ConnectAsync(server, bob.Token, receiveBufferSize: 4096);
        await using var listener = await RawWebSocket.ConnectAsync(server, carol.Token);
        foreach (var (socket, id) in new[] { (dropped, "b"), (listener, "c") })
        {
            await socket.SendTextAsync($$"""{"type":1,"invocationId":"{{id}}","target":"Subscribe","arguments":["chat:{{chat.Id}}",null]}""" + "\u001e");
            (await NextCompletionAsync(socket, id)).TryGetProperty("error", out _).Should().BeFalse();
        }

        // Bob's socket is reset while alice's messages are on their way to it (his small window keeps some waiting).
        var content = new string('r', 3000);
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < 60; i++)
            {
                (await sender.SendAsync(chat.Id, $"{i:D2}{content}")).Seq.Should().BeGreaterThan(0);
            }
        });
        await Task.Delay(50);
        dropped.Reset();
        await sending;

        var seen = new HashSet<string>();
        while (seen.Count < 60)
        {
            foreach (var record in (await listener.ReadTextAsync()).Split('\u001e', StringSplitOptions.RemoveEmptyEntries))
            {
                var message = JsonDocument.Parse(record).RootElement;
                if (message.GetProperty("type").GetInt32() == 1 && message.GetProperty("target").GetString() == "NewMessage")
                {
                    seen.Add(message.GetProperty("arguments")[0].GetProperty("content").GetString()![..2]);
                }
            }
        }

        seen.Should().HaveCount(60, "carol got every message, in full, whatever happened to bob's connection");
        (await sender.SendAsync(chat.Id, "still going")).Content.Should().Be("still going");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AConnectionThatStopsReadingIsAbortedAfterTheSendTimeoutAndTheSenderGoesOn(bool sendOnSocket)
    {
        await using var setup = await SendingChat.StartAsync(sendOnSocket, "dsa", "dsb");
        var (server, chat, alice, bob) = (setup.Server, setup.Chat, setup.Users[0], setup.Users[1]);
        await using var sender = await UserClient.ConnectAsync(server, alice);
        await using var reader = await RawWebSocket.ConnectAsync(server, bob.Token, receiveBufferSize: 4096);
        await reader.SendTextAsync($$"""{"type":1,"invocationId":"s","target":"Subscribe","arguments":["chat:{{chat.Id}}",null]}""" + "\u001e");
        (await NextCompletionAsync(reader, "s")).TryGetProperty("error", out _).Should().BeFalse();

        // Bob reads nothing more; alice sends until the kernel's buffers and the socket's pipe are full and bob's writes
        // wait (about 12 MB at most), then on: the server gives up on bob 10 s after his writes stopped moving.
        var content = new string('x', 4000);
        var started = DateTime.UtcNow;
        while (!server.Logs.Lines.Any(line => line.EventId.Id == 4009))
        {
            (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(60), "bob's connection should have been aborted by now");
            await sender.SendAsync(chat.Id, content);
        }

        (await reader.EndedByServerAsync()).Should().BeTrue("the connection was aborted");
        (await sender.SendAsync(chat.Id, "still going")).Content.Should().Be("still going");
    }

    [Fact]
    public async Task AServerShuttingDownClosesItsConnectionsWith1001GoingAway()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var server = await NetraTestServer.StartAsync(database);
        var user = await new NetraApi(server).CreateUserAsync("dwg");
        await using var socket = await RawWebSocket.ConnectAsync(server, user.Token);

        var stopping = server.DisposeAsync().AsTask();
        var close = await socket.ReadCloseAsync();
        await stopping;

        close.Should().Be(1001, "clients reconnect, to another node, knowing the server went away");
    }

    /// <summary>
    /// A server of its own whose direct connections send on the socket, or through Kestrel's pipe (senders unlimited), with
    /// users of the given names and a chat of them all, the first its owner.
    /// </summary>
    private sealed record SendingChat(NetraTestServer Server, ChatSummary Chat, TestUser[] Users) : IAsyncDisposable
    {
        public static async Task<SendingChat> StartAsync(bool sendOnSocket, params string[] names)
        {
            var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
            var server = await NetraTestServer.StartAsync(database, new Dictionary<string, string?>
            {
                ["Netra:Limits:MessagesPerMinute"] = "100000",
                ["Netra:Realtime:DirectWebSocketsSendOnSocket"] = sendOnSocket ? "true" : "false",
                ["Logging:LogLevel:Netra.Server.Realtime.WebSockets"] = "Debug", // an opened connection says how it sends
            });
            try
            {
                var api = new NetraApi(server);
                var users = new TestUser[names.Length];
                for (var i = 0; i < names.Length; i++)
                {
                    users[i] = await api.CreateUserAsync(names[i]);
                }

                return new SendingChat(server, await api.CreateChatAsync(users[0], users[1..]), users);
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    private static async Task<JsonElement> NextCompletionAsync(RawWebSocket socket, string invocationId)
    {
        while (true)
        {
            foreach (var record in (await socket.ReadTextAsync()).Split('\u001e', StringSplitOptions.RemoveEmptyEntries))
            {
                var message = JsonDocument.Parse(record).RootElement;
                if (message.GetProperty("type").GetInt32() == 3 && message.GetProperty("invocationId").GetString() == invocationId)
                {
                    return message;
                }
            }
        }
    }
}
