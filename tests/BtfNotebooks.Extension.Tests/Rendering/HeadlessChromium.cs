using System.Diagnostics;
using NUnit.Framework;

namespace BtfNotebooks.Extension.Tests.Rendering;

/// <summary>
/// Headless Chromium as the tests' browser: loads a local HTML file with no network and a fresh profile, lets its
/// scripts run (virtual time), and returns the DOM they left. The same flags as scripts/notebooks/screenshot.
/// CI installs Debian's <c>chromium</c> (/usr/bin/chromium); where it is missing, a test calling
/// <see cref="RequireOrIgnore"/> is ignored with the reason.
/// </summary>
public static class HeadlessChromium
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>The browser binary: $CHROMIUM, else chromium, chromium-browser or google-chrome on PATH; null if none.</summary>
    public static string? Find()
    {
        var fromEnv = Environment.GetEnvironmentVariable("CHROMIUM");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv)) return fromEnv;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome" })
            foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin"))
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    /// <summary>The browser binary, or the calling test is ignored (not failed) because none is installed.</summary>
    public static string RequireOrIgnore()
    {
        var chromium = Find();
        if (chromium is null)
            Assert.Ignore("headless Chromium is not installed (apt-get install chromium), so the drawing is not checked");
        return chromium!;
    }

    /// <summary>The DOM of <paramref name="htmlFile"/> after its scripts ran (chromium --dump-dom).</summary>
    public static string DumpDom(string htmlFile, int virtualTimeBudgetMs = 10_000) =>
        Run(htmlFile, virtualTimeBudgetMs, "--dump-dom");

    /// <summary>A PNG of <paramref name="htmlFile"/> after its scripts ran (chromium --screenshot).</summary>
    public static void Screenshot(string htmlFile, string pngFile, int virtualTimeBudgetMs = 10_000, string windowSize = "1280,2000")
    {
        File.Delete(pngFile);
        Run(htmlFile, virtualTimeBudgetMs, $"--screenshot={Path.GetFullPath(pngFile)}", $"--window-size={windowSize}");
        Assert.That(new FileInfo(pngFile).Exists && new FileInfo(pngFile).Length > 0, Is.True, "chromium wrote no screenshot");
    }

    private static string Run(string htmlFile, int virtualTimeBudgetMs, params string[] action)
    {
        var chromium = RequireOrIgnore();
        var profile = Directory.CreateTempSubdirectory("btfnb-chromium-");
        try
        {
            var start = new ProcessStartInfo(chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var flag in new[]
                     {
                         "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--hide-scrollbars", $"--user-data-dir={profile.FullName}", $"--virtual-time-budget={virtualTimeBudgetMs}",
                     })
                start.ArgumentList.Add(flag);
            foreach (var flag in action) start.ArgumentList.Add(flag);
            start.ArgumentList.Add(new Uri(Path.GetFullPath(htmlFile)).AbsoluteUri);

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {chromium}");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"chromium did not finish within {Timeout.TotalSeconds:0} s on {htmlFile}");
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
                Assert.Fail($"chromium exited {process.ExitCode} on {htmlFile}:\n{Tail(stderr.Result)}");
            return stdout.Result;
        }
        finally
        {
            try { profile.Delete(recursive: true); } catch (IOException) { /* a crashpad helper may still hold it */ }
        }
    }

    private static string Tail(string log) =>
        string.Join('\n', log.Split('\n').Where(l => !l.Contains("dbus", StringComparison.Ordinal)).TakeLast(20));
}
