using FluentAssertions;
using Netra.Client;

namespace Netra.Tests.Infrastructure;

/// <summary>Assertions on what a user's <see cref="NetraClient"/> call gets back.</summary>
public static class Expect
{
    /// <summary>
    /// The call fails, within <see cref="TestTimeouts.Network"/>, with a <see cref="NetraException"/> of
    /// <paramref name="code"/> whose message is the server's <c>CODE: text</c>.
    /// </summary>
    public static async Task<NetraException> RefusedAsync(Func<Task> call, string code, string because = "")
    {
        var refused = await FluentActions.Awaiting(() => call().WaitAsync(TestTimeouts.Network)).Should().ThrowAsync<NetraException>(because);
        refused.Which.Code.Should().Be(code, because);
        refused.Which.Message.Should().StartWith(code + ": ", because);
        return refused.Which;
    }
}
