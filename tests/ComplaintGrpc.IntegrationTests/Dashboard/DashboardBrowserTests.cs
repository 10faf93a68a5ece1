using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Worker.Calendar;
using Hangfire;
using Hangfire.States;
using Xunit.Abstractions;

namespace ComplaintGrpc.IntegrationTests.Dashboard;

/// <summary>
/// The dashboard in a real headless Chromium, as a person meets it: anonymous (from loopback, which Hangfire's default
/// filter would let in) is sent to the sign-in form; a viewer sees the jobs but no buttons that change them, and the
/// server refuses such a command even when sent behind the page's back; an admin triggers the calendar-coverage job,
/// which the real worker runs.
/// </summary>
[Collection(HangfireStatics.AloneCollection)]
public sealed class DashboardBrowserTests(DashboardWithWorker host, ITestOutputHelper output) : IClassFixture<DashboardWithWorker>
{
    // Hangfire's buttons that change jobs; a read-only dashboard shows none of them.
    private static readonly string[] ChangingButtons = ["Trigger now", "Delete", "Requeue", "Requeue jobs", "Delete selected", "Disable", "Enable"];

    [Fact]
    public async Task Anonymous_is_sent_to_the_sign_in_form_and_sees_no_dashboard()
    {
        var result = await Browser.RunAsync(output, "anonymous", host.AdminBase);

        foreach (var name in new[] { "dashboard", "recurring" })
        {
            var page = result.GetProperty(name);
            Assert.Equal("/login", page.GetProperty("path").GetString());
            Assert.True(page.GetProperty("signInForm").GetBoolean());
            Assert.False(page.GetProperty("dashboard").GetBoolean());
            Assert.DoesNotContain("Recurring", page.GetProperty("text").GetString(), StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(CalendarCoverageCheck.JobId, page.GetProperty("text").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal("?ReturnUrl=%2Fhangfire%2Frecurring", result.GetProperty("recurring").GetProperty("query").GetString());
    }

    [Fact]
    public async Task Viewer_sees_jobs_but_nothing_that_changes_them()
    {
        // A job of its own to look at: enqueued here, run by the worker; either way its page offers requeue/delete to an admin.
        var jobId = new BackgroundJobClient(host.JobStorage()).Enqueue<CalendarCoverageCheck>(c => c.RunAsync(CancellationToken.None));

        var result = await Browser.RunAsync(output, "viewer", host.AdminBase, DashboardHost.ViewerUser, host.ViewerPassword, "--job", jobId);

        Assert.Equal("/login?ReturnUrl=%2Fhangfire%2Frecurring", result.GetProperty("redirectedTo").GetString());
        var recurring = result.GetProperty("recurring");
        Assert.Equal("/hangfire/recurring", recurring.GetProperty("path").GetString());
        Assert.True(recurring.GetProperty("dashboard").GetBoolean());
        Assert.Contains(CalendarCoverageCheck.JobId, recurring.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Empty(Browser.Buttons(recurring).Intersect(ChangingButtons));

        var job = result.GetProperty("job");
        Assert.Equal($"/hangfire/jobs/details/{jobId}", job.GetProperty("path").GetString());
        Assert.Contains("CalendarCoverageCheck", job.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Empty(Browser.Buttons(job).Intersect(ChangingButtons));

        // Hidden buttons are not the lock: the command itself is refused (Hangfire answers 401 to a command on a read-only
        // dashboard), though sent with the session and a valid antiforgery token that a read-only request passes with.
        Assert.Equal(200, result.GetProperty("stats").GetProperty("status").GetInt32());
        var trigger = result.GetProperty("trigger");
        Assert.True(trigger.GetProperty("antiforgeryTokenSent").GetBoolean());
        Assert.Equal(401, trigger.GetProperty("status").GetInt32());
        Assert.Null(DashboardWithWorker.RecurringJob(host.JobStorage())!.LastJobId);
    }

    [Fact]
    public async Task Admin_triggers_the_calendar_coverage_job_and_the_worker_runs_it()
    {
        var storage = host.JobStorage();
        Assert.Null(DashboardWithWorker.RecurringJob(storage)!.LastJobId);

        var result = await Browser.RunAsync(output, "admin", host.AdminBase, DashboardHost.AdminUser, host.AdminPassword);

        var recurring = result.GetProperty("recurring");
        Assert.Contains("Trigger now", Browser.Buttons(recurring));
        Assert.Contains("Delete", Browser.Buttons(recurring));
        Assert.Equal(204, result.GetProperty("triggerStatus").GetInt32());

        var jobId = await Poll.UntilAsync(() => Task.FromResult(DashboardWithWorker.RecurringJob(storage)?.LastJobId), id => id is not null,
            TimeSpan.FromSeconds(10), "the trigger to create a job");
        string? state = null;
        await Poll.UntilAsync(() => Task.FromResult(state = StateOf(storage, jobId!)), s => s == SucceededState.StateName || s == FailedState.StateName,
            TimeSpan.FromSeconds(20), $"job {jobId} to run (worker output:\n{host.Worker.Output})");
        Assert.True(state == SucceededState.StateName, $"job {jobId} {state}; worker output:\n{host.Worker.Output}");

        var job = (await Browser.RunAsync(output, "look", host.AdminBase, DashboardHost.AdminUser, host.AdminPassword,
            "--path", $"/hangfire/jobs/details/{jobId}")).GetProperty("page");
        Assert.Contains("Succeeded", job.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("Requeue", Browser.Buttons(job));
    }

    private static string? StateOf(JobStorage storage, string jobId)
    {
        using var connection = storage.GetConnection();
        return connection.GetStateData(jobId)?.Name;
    }
}
