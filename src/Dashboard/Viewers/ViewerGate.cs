namespace LoraTrainer.Dashboard.Viewers;

/// <summary>No page, asset or API answer without knowing who asks: the viewer is found first and kept on the request.</summary>
internal static class ViewerGate
{
    private const string ItemKey = "LoraTrainer.Dashboard.Viewer";

    /// <summary>The viewer <see cref="UseViewerGate"/> found for this request.</summary>
    public static Viewer Viewer(this HttpContext context) => (Viewer)context.Items[ItemKey]!;

    /// <summary>Answers 401 (with a proxy or tokens) or 403 (without, from another machine) to a request from no known viewer.</summary>
    public static IApplicationBuilder UseViewerGate(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/healthz"))
        {
            await next(context);
            return;
        }

        var viewer = await context.RequestServices.GetRequiredService<ViewerIdentity>().IdentifyAsync(context);
        if (viewer is null)
        {
            var local = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<DashboardOptions>>().Value.Authentication == DashboardAuthentication.None;
            context.Response.StatusCode = local ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsync(local ? "This dashboard answers only on localhost.\n" : "Sign in through the cluster's front door.\n");
            return;
        }

        context.Items[ItemKey] = viewer;
        await next(context);
    });
}
