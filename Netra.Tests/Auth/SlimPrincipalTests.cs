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
        slim.GetUserName().Should().Be("alice");
    }

    [Fact]
    public void ReadsTheSameAsAPlainPrincipalAndSoDoesItsCopy()
    {
        var plain = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "7"), new Claim("name", "bob")], "Bearer", "name", "role"));
        var noId = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "bob"), new Claim("name", "bob")], "Bearer", "name", "role"));

        foreach (var principal in new[] { plain, NetraClaims.Slim(plain, "Bearer"), NetraClaims.Slim(plain, "Bearer").Clone() })
        {
            principal.TryGetUserId(out var id).Should().BeTrue();
            id.Should().Be(7);
            principal.GetUserName().Should().Be("bob");
        }

        foreach (var principal in new[] { noId, NetraClaims.Slim(noId, "Bearer"), NetraClaims.Slim(noId, "Bearer").Clone() })
        {
            principal.TryGetUserId(out _).Should().BeFalse();
            principal.Invoking(p => p.GetUserId()).Should().Throw<InvalidOperationException>();
        }

        var slim = NetraClaims.Slim(plain, "Bearer");
        slim.AddIdentity(new ClaimsIdentity([new Claim("sub", "8")]));
        slim.Clone().Identities.Should().HaveCount(2);
        slim.Clone().GetUserId().Should().Be(7);
    }
}
