using System.Reflection;
using System.Text.Json;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Dashboard;
using ComplaintGrpc.Storage.Jobs;
using ComplaintGrpc.Worker.Calendar;
using Dapper;
using Hangfire;
using Hangfire.States;
using Xunit.Abstractions;

namespace ComplaintGrpc.IntegrationTests.Dashboard;

/// <summary>
/// The dashboard in a real headless Chromium, as a person meets it: anonymous (from loopback, which Hangfire's default
/// filter would let in) is sent to the sign-in form; a viewer sees the jobs but no buttons that change them, and the
/// server refuses such a command even when sent behind the page's back; an admin triggers the calendar-coverage job,
/// which the real worker runs. Every job the worker ran is listed by its name and arguments (the dashboard runs in the
/// server, so the job types must be ones the server loads), and the worker's Quartz schedules are one menu link away.
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
        var jobId = new BackgroundJobClient(host.JobStorage()).Enqueue<ICalendarCoverageJob>(c => c.RunAsync(CancellationToken.None));

        var result = await Browser.RunAsync(output, "viewer", host.AdminBase, DashboardHost.ViewerUser, host.ViewerPassword, "--job", jobId);

        Assert.Equal("/login?ReturnUrl=%2Fhangfire%2Frecurring", result.GetProperty("redirectedTo").GetString());
        var recurring = result.GetProperty("recurring");
        Assert.Equal("/hangfire/recurring", recurring.GetProperty("path").GetString());
        Assert.True(recurring.GetProperty("dashboard").GetBoolean());
        Assert.Contains(CalendarCoverageCheck.JobId, recurring.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Empty(Browser.Buttons(recurring).Intersect(ChangingButtons));

        var job = result.GetProperty("job");
        Assert.Equal($"/hangfire/jobs/details/{jobId}", job.GetProperty("path").GetString());
        Assert.Contains("Calendar coverage check", job.GetProperty("text").GetString(), StringComparison.Ordinal);
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

    [Fact]
    public async Task Every_job_the_worker_ran_is_listed_by_name_with_its_case_numbers()
    {
        var storage = host.JobStorage();
        var org = await Sample.OrganizationAsync(host.Organization);
        var assigned = await new CaseSteps(host.Complaints, org).AssignedAsync();
        var calendarJob = new BackgroundJobClient(storage).Enqueue<ICalendarCoverageJob>(c => c.RunAsync(CancellationToken.None));
        var deliveryName = $"Webhook delivery: {assigned.CaseNumber}";

        // The assignment's notification goes to the webhook through a Hangfire delivery job on the webhook queue.
        await Poll.UntilAsync(async () =>
        {
            await using var db = await host.Database.OpenConnectionAsync();
            return (await db.QueryAsync<string>("SELECT statename FROM hangfire.job WHERE id = @id::bigint OR invocationdata::text LIKE @delivery",
                new { id = calendarJob, delivery = "%" + assigned.CaseNumber + "%" })).ToList();
        }, states => states.Count >= 2 && states.All(s => s == SucceededState.StateName),
            TimeSpan.FromSeconds(60), $"the delivery job of {assigned.CaseNumber} and calendar job {calendarJob} to succeed; worker output:\n{host.Worker.Output}");

        var succeeded = (await Browser.RunAsync(output, "look", host.AdminBase, DashboardHost.AdminUser, host.AdminPassword,
            "--path", "/hangfire/jobs/succeeded")).GetProperty("page");
        var text = succeeded.GetProperty("text").GetString()!;
        Assert.Contains(deliveryName, text, StringComparison.Ordinal);
        Assert.Contains("Calendar coverage check", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Can not find the target method", text, StringComparison.Ordinal);

        var recurring = (await Browser.RunAsync(output, "look", host.AdminBase, DashboardHost.AdminUser, host.AdminPassword,
            "--path", "/hangfire/recurring")).GetProperty("page").GetProperty("text").GetString()!;
        Assert.Contains("Calendar coverage check", recurring, StringComparison.Ordinal);
        Assert.DoesNotContain("Can not find the target method", recurring, StringComparison.Ordinal);

        // This test's server runs in the test process, which has loaded the worker too, so the page alone cannot show
        // that a real server process resolves these jobs: every stored job's type must come from an assembly the
        // server itself references.
        var serverAssemblies = ReferenceClosure(typeof(DashboardSignIn).Assembly);
        Assert.DoesNotContain("ComplaintGrpc.Worker", serverAssemblies);
        await using var connection = await host.Database.OpenConnectionAsync();
        var jobTypes = (await connection.QueryAsync<string>("SELECT invocationdata::text FROM hangfire.job")).Select(JobTypeName).Distinct().ToList();
        Assert.Contains(typeof(INotificationDeliveryJob).FullName + ", ComplaintGrpc.Storage", jobTypes);
        Assert.All(jobTypes, type => Assert.Contains(System.Reflection.Metadata.TypeName.Parse(type).AssemblyName!.Name, serverAssemblies));
    }

    [Fact]
    public async Task The_dashboard_links_to_the_worker_s_quartz_schedules_with_next_fire_and_last_result()
    {
        // The sweeps fire every 200 ms in tests; wait for the listener to have recorded one of each.
        await Poll.UntilAsync(async () =>
        {
            await using var db = await host.Database.OpenConnectionAsync();
            return (await db.QueryAsync<string>("SELECT job_name FROM scheduled_job_runs")).ToList();
        }, jobs => jobs.Contains("deadline-sweep") && jobs.Contains("outbox-sweep"), TimeSpan.FromSeconds(30),
            $"the worker to record sweep runs; worker output:\n{host.Worker.Output}");
        List<string> scheduled;
        await using (var db = await host.Database.OpenConnectionAsync())
            scheduled = [.. await db.QueryAsync<string>("SELECT DISTINCT job_name FROM qrtz_triggers WHERE sched_name = @s", new { s = SchedulesPage.SchedulerName })];

        var result = await Browser.RunAsync(output, "schedules", host.AdminBase, DashboardHost.ViewerUser, host.ViewerPassword);

        Assert.True(result.GetProperty("dashboard").GetBoolean());
        Assert.Equal(SchedulesPage.Path, result.GetProperty("menuLink").GetString());
        Assert.Equal(SchedulesPage.Path, result.GetProperty("page").GetProperty("path").GetString());
        var rows = result.GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("job").GetString()!, r => r.GetProperty("cells").EnumerateArray().Select(c => c.GetString()!).ToList());
        // Columns: job, trigger, schedule, state, next fire, previous fire, last run, last result.
        Assert.Equal(scheduled.Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        Assert.Superset(
            new HashSet<string> { "outbox-sweep", "deadline-sweep", "rectification-sweep", "rectification-evaluation", "hotspot-flags", "quality-sampling", "backlog-report", "analysis-report" },
            rows.Keys.ToHashSet());
        Assert.Equal("every 200 ms", rows["deadline-sweep"][2]);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", rows["deadline-sweep"][4]);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", rows["deadline-sweep"][5]);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d, \d+ ms$", rows["deadline-sweep"][6]);
        Assert.Matches(@"^succeeded: \d+ clocks? acted on$", rows["deadline-sweep"][7]);
        Assert.Matches(@"^succeeded: \d+ inbox deliveries, \d+ handed to Hangfire$", rows["outbox-sweep"][7]);
        Assert.StartsWith("cron ", rows["backlog-report"][2], StringComparison.Ordinal);
        Assert.Equal("—", rows["backlog-report"][5]); // never fired in this test's database
        Assert.Equal("not recorded", rows["backlog-report"][6]);
    }

    /// <summary>The names of the assemblies <paramref name="root"/> references, directly or through its references.</summary>
    private static HashSet<string> ReferenceClosure(Assembly root)
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { root.GetName().Name! };
        var pending = new Stack<Assembly>([root]);
        while (pending.TryPop(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (!names.Add(reference.Name!))
                    continue;
                try
                {
                    pending.Push(Assembly.Load(reference));
                }
                catch (FileNotFoundException)
                {
                    // A facade the runtime does not ship as a file: its name is enough.
                }
            }
        }
        return names;
    }

    /// <summary>The stored type name of a Hangfire job ("Namespace.Type, Assembly"), from its invocation data.</summary>
    private static string JobTypeName(string invocationData)
    {
        using var json = JsonDocument.Parse(invocationData);
        var root = json.RootElement;
        return (root.TryGetProperty("t", out var shortForm) ? shortForm : root.GetProperty("Type")).GetString()!;
    }

    private static string? StateOf(JobStorage storage, string jobId)
    {
        using var connection = storage.GetConnection();
        return connection.GetStateData(jobId)?.Name;
    }
}
