using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Dapper;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Netra.Contracts;
using Netra.Contracts.Uploads;
using Netra.Server.Uploads;
using Netra.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Netra.Tests.Uploads;

/// <summary>
/// Uploads: type recognised from the bytes (never the declared type or the name), size limit, random stored names,
/// served with nosniff and never as HTML or SVG; a message may carry only its sender's own upload.
/// </summary>
public sealed class UploadTests(UploadsFixture fixture) : IClassFixture<UploadsFixture>
{
    private static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 1, 2, 3];
    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj\n<< >>\nendobj\n%%EOF\n");

    [Fact]
    public async Task AnImageIsStoredUnderARandomNameAndServedInlineWithNosniff()
    {
        var user = await fixture.Api.CreateUserAsync("uploader");
        var result = await UploadOkAsync(user, Png, "holiday photo.png", "image/png");

        result.Path.Should().MatchRegex("^/uploads/[0-9a-f]{32}\\.png$");
        result.Should().BeEquivalentTo(new { ContentType = "image/png", Size = (long)Png.Length, FileName = "holiday photo.png" });
        using var anonymous = fixture.Api.CreateClient(null);
        var served = await anonymous.GetAsync(result.Path);
        served.StatusCode.Should().Be(HttpStatusCode.OK);
        (await served.Content.ReadAsByteArrayAsync()).Should().Equal(Png);
        served.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
        served.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        served.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("sandbox");
        served.Content.Headers.ContentDisposition!.DispositionType.Should().Be("inline");
    }

    [Theory]
    [InlineData("report.pdf", "application/pdf", "application/pdf")]
    [InlineData("notes.txt", "text/plain", "text/plain")]
    [InlineData("notes", null, "text/plain")]
    public async Task DocumentsAreServedAsAttachmentsWithASafeType(string fileName, string? declared, string expected)
    {
        var user = await fixture.Api.CreateUserAsync("uploader");
        var bytes = expected == "text/plain" ? Encoding.UTF8.GetBytes("just some notes\n\twith a tab and ünïcode\n") : Pdf;
        var result = await UploadOkAsync(user, bytes, fileName, declared);

        result.ContentType.Should().Be(expected);
        using var http = fixture.Api.CreateClient(null);
        var served = await http.GetAsync(result.Path);
        served.StatusCode.Should().Be(HttpStatusCode.OK);
        served.Content.Headers.ContentType!.MediaType.Should().Be(expected);
        served.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        served.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        (await served.Content.ReadAsByteArrayAsync()).Should().Equal(bytes);
    }

    public static TheoryData<string, byte[], string, string?, HttpStatusCode, string> HostileUploads => new()
    {
        { "HTML disguised as png", Encoding.UTF8.GetBytes("<html><script>alert(1)</script></html>"), "cat.png", "image/png", HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed },
        { "HTML declared as text", Encoding.UTF8.GetBytes("  <!DOCTYPE html><script>alert(1)</script>"), "notes.txt", "text/plain", HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed },
        { "HTML without a declared type", Encoding.UTF8.GetBytes("\uFEFF<html><body onload=alert(1)>"), "page.html", null, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed },
        { "SVG", Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"), "logo.svg", "image/svg+xml", HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed },
        { "a PNG declared as GIF", Png, "x.gif", "image/gif", HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed },
        { "a PDF declared as PNG", Pdf, "x.png", "image/png", HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed },
        { "binary junk", [0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0xFF, 0xFE], "setup.exe", "application/octet-stream", HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed },
        { "text that is not UTF-8", [0x68, 0x69, 0xC3, 0x28, 0x0A], "latin.txt", "text/plain", HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed },
        { "an empty file", [], "empty.txt", "text/plain", HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed },
        { "one byte over the limit", [.. Png, .. new byte[UploadsFixture.MaxBytes + 1 - Png.Length]], "big.png", "image/png", HttpStatusCode.RequestEntityTooLarge, ErrorCodes.MessageTooLarge },
        { "2 MiB, far over the limit", [.. Png, .. new byte[2 * 1024 * 1024]], "huge.png", "image/png", HttpStatusCode.RequestEntityTooLarge, ErrorCodes.MessageTooLarge },
    };

    [Theory]
    [MemberData(nameof(HostileUploads))]
    public async Task HostileUploadsAreRefusedAndLeaveNoFileBehind(string why, byte[] bytes, string fileName, string? declared, HttpStatusCode status, string code)
    {
        var user = await fixture.Api.CreateUserAsync("hostile");
        var before = StoredFiles();

        var response = await UploadAsync(user, bytes, fileName, declared);

        response.StatusCode.Should().Be(status, why);
        (await NetraApi.ReadCodeAsync(response)).Should().Be(code, why);
        StoredFiles().Should().BeEquivalentTo(before, why);
    }

    [Fact]
    public async Task APathTraversalFileNameIsOnlyADisplayNameAndTheFileStaysInTheUploadFolder()
    {
        var user = await fixture.Api.CreateUserAsync("traveller");
        var result = await UploadOkAsync(user, Png, "../../../etc/cron.d/evil.png", "image/png");

        result.FileName.Should().Be("evil.png");
        result.Path.Should().MatchRegex("^/uploads/[0-9a-f]{32}\\.png$");
        StoredFiles().Should().Contain(Path.GetFileName(result.Path));
        Directory.GetFiles(fixture.Directory, "*", SearchOption.AllDirectories).Should().OnlyContain(path => Path.GetDirectoryName(path) == fixture.Directory);

        using var http = fixture.Api.CreateClient(null);
        foreach (var path in new[] { "/uploads/..%2F..%2Fappsettings.json", "/uploads/%2e%2e%2fNetra.Server.dll", "/uploads/" + new string('a', 32) + ".png", Path.ChangeExtension(result.Path, ".txt"), result.Path.ToUpperInvariant().Replace("/UPLOADS/", "/uploads/", StringComparison.Ordinal) })
        {
            (await http.GetAsync(path)).StatusCode.Should().Be(HttpStatusCode.NotFound, path);
        }
    }

    /// <summary>Multipart bodies ASP.NET Core's form reader cannot parse: no boundary, a boundary never met, a part cut off.</summary>
    private static readonly (string ContentType, string Body)[] MalformedMultipart =
    [
        ("multipart/form-data", "x"),
        ("multipart/form-data; boundary=b", "x"),
        ("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello"),
        ("multipart/form-data; boundary=b", "--b\r\nno header end"),
    ];

    [Fact]
    public async Task BadRequestsAreRefused()
    {
        var user = await fixture.Api.CreateUserAsync("sloppy");
        using var http = fixture.Api.CreateClient(user);
        (await NetraApi.ReadCodeAsync(await http.PostAsJsonAsync("/api/uploads", new { file = "x" }))).Should().Be(ErrorCodes.ValidationFailed);

        using var noFile = new MultipartFormDataContent { { new StringContent("hello"), "note" } };
        (await NetraApi.ReadCodeAsync(await http.PostAsync("/api/uploads", noFile))).Should().Be(ErrorCodes.ValidationFailed);

        using var twoFiles = new MultipartFormDataContent { { File(Png, "image/png"), "file", "a.png" }, { File(Png, "image/png"), "other", "b.png" } };
        (await NetraApi.ReadCodeAsync(await http.PostAsync("/api/uploads", twoFiles))).Should().Be(ErrorCodes.ValidationFailed);

        foreach (var (contentType, body) in MalformedMultipart)
        {
            using var malformed = new ByteArrayContent(Encoding.ASCII.GetBytes(body));
            malformed.Headers.TryAddWithoutValidation("Content-Type", contentType);
            var response = await http.PostAsync("/api/uploads", malformed);
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, contentType + " " + body);
            (await NetraApi.ReadCodeAsync(response)).Should().Be(ErrorCodes.ValidationFailed, contentType + " " + body);
        }

        using var anonymous = fixture.Api.CreateClient(null);
        using var form = new MultipartFormDataContent { { File(Png, "image/png"), "file", "a.png" } };
        (await anonymous.PostAsync("/api/uploads", form)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task UploadsNoMessageCarriesHaveAQuotaPerUserThatSendingOneFrees()
    {
        var alice = await fixture.Api.CreateUserAsync("hoard");
        var bob = await fixture.Api.CreateUserAsync("other");
        var chat = await fixture.Api.CreateChatAsync(alice);
        var full = Encoding.ASCII.GetBytes(new string('a', UploadsFixture.MaxBytes));
        var first = await UploadOkAsync(alice, full, "a.txt", "text/plain");
        await UploadOkAsync(alice, full, "b.txt", "text/plain"); // now 128 KiB: the quota, reached
        var filesBefore = StoredFiles();

        var refused = await UploadAsync(alice, Png, "c.png", "image/png");
        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await NetraApi.ReadCodeAsync(refused)).Should().Be("RATE_LIMITED");
        StoredFiles().Should().BeEquivalentTo(filesBefore, "a refused upload stores nothing");
        await UploadOkAsync(bob, Png, "c.png", "image/png"); // each user has a quota of their own

        await using var hub = await UserClient.ConnectAsync(fixture.Server, alice);
        await hub.Client.SendMessageAsync(chat.Id, "here it is", attachment: first.Path).WaitAsync(TestTimeouts.Network);
        await UploadOkAsync(alice, Png, "c.png", "image/png");
    }

    [Fact]
    public async Task UploadsOfTheLastDayHaveAQuotaPerUserEvenWhenMessagesCarryThem()
    {
        var alice = await fixture.Api.CreateUserAsync("daily");
        var chat = await fixture.Api.CreateChatAsync(alice);
        var full = Encoding.ASCII.GetBytes(new string('d', UploadsFixture.MaxBytes));
        await using var hub = await UserClient.ConnectAsync(fixture.Server, alice);
        for (var i = 0; i < 3; i++)
        {
            // Each is sent at once, so the quota on unattached uploads never comes into it: 192 KiB today, the most.
            var upload = await UploadOkAsync(alice, full, $"{i}.txt", "text/plain");
            await hub.Client.SendMessageAsync(chat.Id, $"file {i}", attachment: upload.Path).WaitAsync(TestTimeouts.Network);
        }

        var refused = await UploadAsync(alice, Png, "more.png", "image/png");
        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await NetraApi.ReadCodeAsync(refused)).Should().Be("RATE_LIMITED");
        (await refused.Content.ReadAsStringAsync()).Should().Contain("MaxBytesPerUserPerDay");

        // The day is counted from created_at: moved back past it, the same uploads no longer count.
        await using (var db = new NpgsqlConnection(fixture.Server.PostgresConnectionString))
        {
            await db.ExecuteAsync("UPDATE uploads SET created_at = now() - interval '25 hours' WHERE owner_id = @id", new { id = alice.Id });
        }

        await UploadOkAsync(alice, Png, "more.png", "image/png");
    }

    [Fact]
    public async Task AMessageMayCarryOnlyItsSendersOwnUpload()
    {
        var alice = await fixture.Api.CreateUserAsync("alice");
        var bob = await fixture.Api.CreateUserAsync("bob");
        var chat = await fixture.Api.CreateChatAsync(alice, bob);
        var alices = await UploadOkAsync(alice, Png, "a.png", "image/png");
        await using var aliceHub = await UserClient.ConnectAsync(fixture.Server, alice);
        await using var bobHub = await UserClient.ConnectAsync(fixture.Server, bob);

        var sent = await aliceHub.Client.SendMessageAsync(chat.Id, "look", attachment: alices.Path).WaitAsync(TestTimeouts.Network);
        sent.Attachment.Should().Be(alices.Path);

        foreach (var attachment in new[] { alices.Path, "/uploads/" + new string('0', 32) + ".png", "/uploads/notes.txt" })
        {
            await Expect.RefusedAsync(() => bobHub.Client.SendMessageAsync(chat.Id, "mine now", attachment: attachment), ErrorCodes.Forbidden, attachment);
        }

        (await fixture.Api.GetMessagesAsync(alice, chat.Id)).Select(m => m.Attachment).Should().Equal(alices.Path);
    }

    [Fact]
    public async Task UploadsNoMessageCarriesAreDeletedOnceOldEnoughWhileCarriedInFlightAndRecentOnesStay()
    {
        var alice = await fixture.Api.CreateUserAsync("alice");
        var bob = await fixture.Api.CreateUserAsync("bob");
        var chat = await fixture.Api.CreateChatAsync(alice, bob);
        var (carried, forgotten, recent, ofDeleted, inFlight) = (
            await UploadOkAsync(alice, Png, "carried.png", "image/png"),
            await UploadOkAsync(alice, Png, "forgotten.png", "image/png"),
            await UploadOkAsync(alice, Png, "recent.png", "image/png"),
            await UploadOkAsync(alice, Pdf, "deleted.pdf", "application/pdf"),
            await UploadOkAsync(alice, Png, "in-flight.png", "image/png"));
        await using var aliceHub = await UserClient.ConnectAsync(fixture.Server, alice);
        await aliceHub.Client.SendMessageAsync(chat.Id, "keep", attachment: carried.Path).WaitAsync(TestTimeouts.Network);
        var gone = await aliceHub.Client.SendMessageAsync(chat.Id, "oops", attachment: ofDeleted.Path).WaitAsync(TestTimeouts.Network);
        await aliceHub.Client.DeleteMessageAsync(chat.Id, gone.Id).WaitAsync(TestTimeouts.Network);

        // Everything but "recent" was uploaded (and last offered as an attachment) two days ago...
        await using (var connection = new NpgsqlConnection(fixture.Server.PostgresConnectionString))
        {
            await connection.ExecuteAsync(
                "UPDATE uploads SET created_at = now() - interval '2 days', last_used_at = last_used_at - interval '2 days' WHERE name = ANY(@names)",
                new { names = new[] { carried, forgotten, ofDeleted, inFlight }.Select(Name).ToArray() });
        }

        // ...but "in-flight" is being sent right now: its sender's message is not stored yet.
        var uploads = fixture.Server.Services.GetRequiredService<UploadService>();
        await uploads.RequireOwnAsync(alice.Id, inFlight.Path, CancellationToken.None);

        (await uploads.SweepAsync(CancellationToken.None)).Should().Be(2);

        using var anonymous = fixture.Api.CreateClient(null);
        foreach (var (upload, status) in new[]
        {
            (carried, HttpStatusCode.OK), (forgotten, HttpStatusCode.NotFound), (recent, HttpStatusCode.OK),
            (ofDeleted, HttpStatusCode.NotFound), (inFlight, HttpStatusCode.OK),
        })
        {
            (await anonymous.GetAsync(upload.Path)).StatusCode.Should().Be(status, upload.FileName);
        }

        StoredFiles().Should().Contain([Name(carried), Name(recent), Name(inFlight)]).And.NotContain([Name(forgotten), Name(ofDeleted)]);
        await Expect.RefusedAsync(() => aliceHub.Client.SendMessageAsync(chat.Id, "again", attachment: forgotten.Path), ErrorCodes.Forbidden, forgotten.Path);
        (await uploads.SweepAsync(CancellationToken.None)).Should().Be(0, "nothing else is old enough");
        fixture.Server.Logs.Lines.Should().Contain(line => line.EventId.Id == 11103);
    }

    [Fact]
    public async Task FilesNoRecordNamesAreDeletedOnceOldAndNothingElseInTheFolderIsTouched()
    {
        var alice = await fixture.Api.CreateUserAsync("alice");
        var recorded = await UploadOkAsync(alice, Png, "recorded.png", "image/png");
        var twoDays = TimeSpan.FromDays(2);
        var leftPart = Stray(Guid.NewGuid().ToString("N") + ".part", twoDays); // a node died while receiving it
        var orphan = Stray(Guid.NewGuid().ToString("N") + ".png", twoDays); // a node died before writing its record
        var fresh = Stray(Guid.NewGuid().ToString("N") + ".png", TimeSpan.FromMinutes(1)); // maybe being recorded right now
        var foreign = Stray("notes-" + Guid.NewGuid().ToString("N")[..8] + ".txt", twoDays); // not a name Netra gives
        System.IO.File.SetLastWriteTimeUtc(Path.Combine(fixture.Directory, Name(recorded)), DateTime.UtcNow - twoDays); // its record decides, not its age

        var uploads = fixture.Server.Services.GetRequiredService<UploadService>();
        (await uploads.SweepAsync(CancellationToken.None)).Should().Be(2);

        StoredFiles().Should().Contain([Name(recorded), fresh, foreign]).And.NotContain([leftPart, orphan]);
        using var anonymous = fixture.Api.CreateClient(null);
        (await anonymous.GetAsync(recorded.Path)).StatusCode.Should().Be(HttpStatusCode.OK);
        fixture.Server.Logs.Lines.Should().Contain(line => line.EventId.Id == 11106);
        System.IO.File.Delete(Path.Combine(fixture.Directory, foreign));

        string Stray(string name, TimeSpan age)
        {
            var path = Path.Combine(fixture.Directory, name);
            System.IO.File.WriteAllBytes(path, Png);
            System.IO.File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
            return name;
        }
    }

    [Fact]
    public async Task UploadsSentAtTheSameMomentCountAgainstEachOthersQuotaBeforeTheirBodiesArrive()
    {
        // Six uploads of 40 KiB at once, each holding its body back until released. The quota on unattached uploads is
        // 128 KiB, and an upload is let in while what is held and in progress is under it: four get in (the fourth takes
        // it past the quota, as a last upload may), and the other two are refused before any body is sent. Checked
        // without counting uploads in progress, all six passed the check together.
        var alice = await fixture.Api.CreateUserAsync("burst");
        var file = Encoding.ASCII.GetBytes(new string('b', 40 * 1024));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var filesBefore = StoredFiles();
        using var http = fixture.Api.CreateClient(alice);
        var uploads = new List<Task<HttpResponseMessage>>();
        for (var i = 0; i < 6; i++)
        {
            uploads.Add(SendHeldAsync(http, await HeldBody.CreateAsync(file, $"{i}.txt", release.Task)));
        }

        await Eventually.UntilAsync(() => uploads.Count(u => u.IsCompleted) == 2);
        var refused = uploads.Where(u => u.IsCompleted).Select(u => u.Result).ToList();
        refused.Should().OnlyContain(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        (await refused[0].Content.ReadAsStringAsync()).Should().Contain("uploads in progress").And.Contain("MaxUnattachedBytesPerUser");
        release.SetResult();
        var accepted = await Task.WhenAll(uploads.Where(u => refused.All(r => r != u.Result)));

        accepted.Should().HaveCount(4).And.OnlyContain(r => r.StatusCode == HttpStatusCode.Created);
        StoredFiles().Except(filesBefore).Should().HaveCount(4);
        await using var db = new NpgsqlConnection(fixture.Server.PostgresConnectionString);
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM upload_reservations WHERE owner_id = @id", new { id = alice.Id }))
            .Should().Be(0, "every reservation ended with its upload");
        (await UploadAsync(alice, Png, "more.png", "image/png")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "the four hold the quota now");

        static async Task<HttpResponseMessage> SendHeldAsync(HttpClient http, HeldBody body)
        {
            // Expect: 100-continue: a refused upload is answered before its body is sent, an accepted one is asked for it.
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads") { Content = body };
            request.Headers.ExpectContinue = true;
            var response = await http.SendAsync(request);
            await response.Content.LoadIntoBufferAsync();
            return response;
        }
    }

    [Fact]
    public async Task AReservationLeftByANodeThatStoppedCountsUntilItExpiresAndTheSweepDeletesIt()
    {
        var alice = await fixture.Api.CreateUserAsync("stranded");
        await using var db = new NpgsqlConnection(fixture.Server.PostgresConnectionString);
        var stranded = await db.ExecuteScalarAsync<long>(
            "INSERT INTO upload_reservations (owner_id, bytes, expires_at) VALUES (@id, @bytes, now() + interval '1 hour') RETURNING id",
            new { id = alice.Id, bytes = (long)UploadsFixture.MaxUnattachedBytesPerUser });

        (await UploadAsync(alice, Png, "a.png", "image/png")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "an upload in progress on another node counts");

        await db.ExecuteAsync("UPDATE upload_reservations SET expires_at = now() - interval '1 second' WHERE id = @stranded", new { stranded });
        await UploadOkAsync(alice, Png, "a.png", "image/png");
        await fixture.Server.Services.GetRequiredService<UploadService>().SweepAsync(CancellationToken.None);
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM upload_reservations WHERE id = @stranded", new { stranded })).Should().Be(0);
    }

    private static string Name(UploadResult upload) => upload.Path[UploadService.RoutePrefix.Length..];

    private string[] StoredFiles() =>
        Directory.Exists(fixture.Directory) ? Directory.GetFiles(fixture.Directory).Select(path => Path.GetFileName(path)).ToArray() : [];

    private static ByteArrayContent File(byte[] bytes, string? contentType)
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        return content;
    }

    private async Task<HttpResponseMessage> UploadAsync(TestUser user, byte[] bytes, string fileName, string? contentType)
    {
        using var http = fixture.Api.CreateClient(user);
        using var form = new MultipartFormDataContent { { File(bytes, contentType), "file", fileName } };
        // Expect: 100-continue, as a browser-grade client would for a large body: the server can refuse an
        // oversize upload before the body is sent, instead of closing the connection while it still streams in.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads") { Content = form };
        request.Headers.ExpectContinue = true;
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private async Task<UploadResult> UploadOkAsync(TestUser user, byte[] bytes, string fileName, string? contentType)
    {
        var response = await UploadAsync(user, bytes, fileName, contentType);
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<UploadResult>(NetraApi.Json))!;
    }

    /// <summary>A multipart upload of one text file whose body, after its first bytes, waits for <c>release</c>.</summary>
    private sealed class HeldBody : HttpContent
    {
        private readonly byte[] body;
        private readonly Task release;

        private HeldBody(byte[] body, MediaTypeHeaderValue contentType, Task release)
        {
            this.body = body;
            this.release = release;
            Headers.ContentType = contentType;
        }

        public static async Task<HeldBody> CreateAsync(byte[] file, string fileName, Task release)
        {
            using var form = new MultipartFormDataContent { { File(file, "text/plain"), "file", fileName } };
            return new HeldBody(await form.ReadAsByteArrayAsync(), form.Headers.ContentType!, release);
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(body.AsMemory(0, 256));
            await stream.FlushAsync();
            await release;
            await stream.WriteAsync(body.AsMemory(256));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}
