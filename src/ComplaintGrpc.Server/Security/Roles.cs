namespace ComplaintGrpc.Server.Security;

/// <summary>The roles a caller's token can carry (claim <c>role</c>, one or more).</summary>
public static class Roles
{
    /// <summary>An intake system (95598 desk, app, 12398/12345 bridges): submits, previews, reads what it submitted.</summary>
    public const string Intake = "intake";
    /// <summary>处理人: reads and works the cases assigned to them (claim <c>sub</c> = their handler id).</summary>
    public const string Handler = "handler";
    /// <summary>班长/主管/督办人: everything on the cases of their unit subtree: dispatch, assign, review, close.</summary>
    public const string Supervisor = "supervisor";
    /// <summary>Quality inspector: reads the cases of their unit subtree (the sampling queue) and records callbacks.</summary>
    public const string Inspector = "inspector";
    /// <summary>Administrator: organisation tree, calendars, policies, report runs; reads everything.</summary>
    public const string Administrator = "admin";
    /// <summary>Auditor: reads everything, changes nothing.</summary>
    public const string Auditor = "auditor";

    // Role lists for [Authorize(Roles = ...)], one per kind of access.
    public const string CaseReaders = Everyone;
    public const string CaseWorkers = "handler,supervisor";
    public const string Submitters = "intake,supervisor";
    public const string CallbackTakers = "inspector,supervisor";
    public const string InboxReaders = "handler,supervisor,inspector,admin,auditor";
    /// <summary>Who reads the management report: supervisors, quality inspectors, administrators and auditors.</summary>
    public const string ReportReaders = "supervisor,inspector,admin,auditor";
    public const string Everyone = "intake,handler,supervisor,inspector,admin,auditor";
}
