using System.Security.Claims;
using FluentAssertions;
using Netra.Server.Auth;
using Xunit;

namespace Netra.Tests.Auth;

public sealed class SlimPrincipalTests
{
    [Fact]
    public void KeepsOnlyWhatNetraReadsAndStaysAuthenticated()
    {
        var validated = new ClaimsPrincipal(new ClaimsIdentity(
            [
                new Claim("sub", "42"), new Claim("name", "alice"), new Claim("role", "admin"), new Claim("role", "service"),
                new Claim("jti", "0123"), new Claim("aud", "netra"), new Claim("iss", "netra"), new Claim("exp", "1900000000"),
            ],
            "Bearer", "name", "role"));

        var slim = NetraClaims.Slim(validated, "Bearer");

        slim.Claims.Select(c => (c.Type, c.Value)).Should().Equal(("sub", "42"), ("name", "alice"), ("role", "admin"), ("role", "service"));
        slim.Identity!.IsAuthenticated.Should().BeTrue();
        slim.Identity.Name.Should().Be("alice");
        slim.IsInRole("admin").Should().BeTrue();
        slim.GetUserId().Should().Be(42);
    }
}
