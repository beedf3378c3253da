namespace Netra.Server.Demo;

internal static class DemoExtensions
{
    public static WebApplicationBuilder AddNetraDemo(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.SectionName);
        builder.Services.AddHostedService<DemoSeeder>();
        return builder;
    }
}
