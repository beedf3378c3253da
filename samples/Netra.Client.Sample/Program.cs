// Netra.Client sample: logs in, connects, follows every chat of the user, prints what arrives and
// sends what you type.
//
//   dotnet run --project samples/Netra.Client.Sample -- [url] [user] [password]
//
// Defaults (or NETRA_URL, NETRA_USER, NETRA_PASSWORD): http://127.0.0.1:5080, demo, demo-password,
// the server and demo user of ./run.sh. Type a line to send it to the current chat; "/chat 7" switches
// to chat 7; "/agent what is 6 * 7?" asks the demo agent in the current chat and prints its steps as
// they arrive (Ctrl+C cancels the run); "/ping" measures the round trip; "/stats" prints the counters;
// an empty line or end of input quits.
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Netra.Client;
using Netra.Contracts;
using Netra.Contracts.Agents;
using Netra.Contracts.Auth;
using Netra.Contracts.Chat;

var url = new Uri(Arg(0, "NETRA_URL", "http://127.0.0.1:5080"));
var userName = Arg(1, "NETRA_USER", "demo");
var password = Arg(2, "NETRA_PASSWORD", "demo-password");
var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);

using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
var login = await LoginAsync();
Console.WriteLine($"Signed in as {login.User.DisplayName} (id {login.User.Id}).");

http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.AccessToken);
var chats = await http.GetFromJsonAsync<List<ChatSummary>>("/api/chats", json) ?? [];

await using var client = new NetraClient(new NetraClientOptions
{
    Url = url,
    // Called on every (re)connect: log in again when the token is about to expire.
    AccessTokenProvider = async cancellationToken =>
    {
        if (login.ExpiresAt - DateTimeOffset.UtcNow < TimeSpan.FromMinutes(1))
        {
            login = await LoginAsync(cancellationToken);
        }

        return login.AccessToken;
    },
});

client.StateChanged += change => Console.WriteLine($"[{change.State}]{(change.Reason is null ? "" : " " + change.Reason)}");
client.NewMessage += message => Console.WriteLine($"#{message.ChatId} {message.Seq,4} {message.SenderName}: {message.Content}");
client.Typing += typing => Console.WriteLine($"#{typing.ChatId} {typing.UserName} {(typing.IsTyping ? "is typing..." : "stopped typing")}");
client.ResumeIncomplete += gap => Console.WriteLine($"[{gap.Channel}: messages after {gap.LastDeliveredSeq} could not be replayed; reload its history]");
client.AgentEvent += step => Console.WriteLine($"#{step.ChatId} agent of user {step.UserId}, step {step.Step} {step.Type}: {step.Tool} {step.Text}");
client.Error += error => Console.WriteLine($"[server error {error.Code}: {error.Error}]");

await client.ConnectAsync();
foreach (var chat in chats)
{
    await client.SubscribeAsync(Channels.Chat(chat.Id));
    Console.WriteLine($"Following chat {chat.Id} \"{chat.Title}\" (last seq {chat.LastSeq}).");
}

var current = chats.Count > 0 ? chats[0].Id : (long?)null;
Console.WriteLine(current is null ? "You are in no chat yet." : $"Sending to chat {current}. Type a message, or /chat N, /agent PROMPT, /ping, /stats; an empty line quits.");

while (Console.ReadLine() is { Length: > 0 } line)
{
    try
    {
        if (line.StartsWith("/chat ", StringComparison.Ordinal) && long.TryParse(line[6..], CultureInfo.InvariantCulture, out var chatId))
        {
            current = chatId;
            Console.WriteLine($"Sending to chat {current}.");
        }
        else if (line.StartsWith("/agent ", StringComparison.Ordinal))
        {
            // Ctrl+C while the agent works cancels the run (its answer is then not stored).
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                cancel.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                await foreach (var step in client.StartAgentRunAsync(new StartAgentRunRequest(current, line[7..], null), cancel.Token))
                {
                    Console.WriteLine(step.Type == AgentEventTypes.PartialResult ? $"  … {step.Text}" : $"  {step.Step} {step.Type}: {step.Tool} {step.Text}{(step.Code is null ? "" : $" [{step.Code}]")}");
                }
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                Console.WriteLine("  [run cancelled]");
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }
        else if (line == "/ping")
        {
            var serverTime = await client.PingAsync();
            Console.WriteLine($"Server time {serverTime:O}, round trip {client.Stats.LastPingLatency?.TotalMilliseconds:F1} ms.");
        }
        else if (line == "/stats")
        {
            Console.WriteLine(client.Stats);
        }
        else if (current is { } chat)
        {
            // While reconnecting this waits in the offline queue and completes once the server stored it.
            await client.SendMessageAsync(chat, line);
        }
        else
        {
            Console.WriteLine("No chat to send to: /chat N picks one.");
        }
    }
    catch (NetraException ex)
    {
        Console.WriteLine($"[{ex.Code}] {ex.Message}");
    }
}

async Task<LoginResponse> LoginAsync(CancellationToken cancellationToken = default)
{
    using var response = await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(userName, password), json, cancellationToken);
    response.EnsureSuccessStatusCode();
    return await response.Content.ReadFromJsonAsync<LoginResponse>(json, cancellationToken)
        ?? throw new InvalidOperationException("The login response was empty.");
}

static string Arg(int index, string variable, string fallback)
{
    var args = Environment.GetCommandLineArgs()[1..];
    return args.Length > index ? args[index] : Environment.GetEnvironmentVariable(variable) ?? fallback;
}
