using System.Text;

namespace Netra.Server.Uploads;

/// <summary>
/// Tells what a file is from its bytes, never from its name or declared type: the image formats and PDF by their
/// signatures; plain text when the whole file is UTF-8 without control characters (tabs, line and form feeds
/// allowed) and does not open with markup ('&lt;'), so HTML, SVG and XML are never taken for text.
/// </summary>
internal static class FileSniffer
{
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";
    public const string Gif = "image/gif";
    public const string Webp = "image/webp";
    public const string Pdf = "application/pdf";
    public const string Text = "text/plain";

    /// <summary>Every type recognised, with the extension its files are stored under.</summary>
    public static readonly IReadOnlyDictionary<string, string> Known = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Png] = ".png",
        [Jpeg] = ".jpg",
        [Gif] = ".gif",
        [Webp] = ".webp",
        [Pdf] = ".pdf",
        [Text] = ".txt",
    };

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static bool IsImage(string contentType) => contentType.StartsWith("image/", StringComparison.Ordinal);

    /// <summary>The file's type, or null when it is none of <see cref="Known"/>.</summary>
    public static async Task<string?> SniffAsync(string path, CancellationToken cancellationToken)
    {
        var head = new byte[16];
        int read;
        await using (var stream = File.OpenRead(path))
        {
            read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        }

        var bytes = head.AsSpan(0, read);
        if (bytes.StartsWith(PngSignature))
        {
            return Png;
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return Jpeg;
        }

        if (bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8))
        {
            return Gif;
        }

        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8))
        {
            return Webp;
        }

        if (bytes.StartsWith("%PDF-"u8))
        {
            return Pdf;
        }

        return await IsPlainTextAsync(path, cancellationToken) ? Text : null;
    }

    private static async Task<bool> IsPlainTextAsync(string path, CancellationToken cancellationToken)
    {
        var decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetDecoder();
        var bytes = new byte[16 * 1024];
        var chars = new char[bytes.Length + 1];
        var first = true;
        await using var stream = File.OpenRead(path);
        while (true)
        {
            var read = await stream.ReadAsync(bytes, cancellationToken);
            int count;
            try
            {
                count = decoder.GetChars(bytes, 0, read, chars, 0, flush: read == 0);
            }
            catch (DecoderFallbackException)
            {
                return false; // not UTF-8: binary, or another encoding
            }

            var text = chars.AsSpan(0, count);
            if (first && count > 0)
            {
                // A byte order mark is fine; markup at the start is what browsers would render as HTML or SVG.
                var start = text.TrimStart('\uFEFF').TrimStart();
                if (start.Length > 0 && start[0] == '<')
                {
                    return false;
                }

                first = start.Length == 0;
            }

            foreach (var c in text)
            {
                if (char.IsControl(c) && c is not ('\t' or '\n' or '\r' or '\f'))
                {
                    return false;
                }
            }

            if (read == 0)
            {
                return true;
            }
        }
    }
}
