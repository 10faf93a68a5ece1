using System.ComponentModel.DataAnnotations;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace ComplaintGrpc.Storage;

/// <summary>Bound from <c>ConnectionStrings:Complaints</c> and <c>Storage:*</c>; validated at start.</summary>
public sealed class StorageOptions
{
    [Required(ErrorMessage = "ConnectionStrings:Complaints (env ConnectionStrings__Complaints) must name the PostgreSQL database.")]
    public string ConnectionString { get; set; } = "";

    /// <summary>How often idle Hangfire workers look for new jobs. Hangfire.PostgreSql's default (15 s) is too slow for
    /// notifications a handler waits on.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A Hangfire job fetched by a worker that then died (kill -9, power loss) is fetched again after this
    /// long. The living worker renews its fetch every fifth of it (sliding invisibility), so a job may run longer.
    /// Hangfire.PostgreSql's default is 30 minutes without renewal.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

public static class StorageRegistration
{
    /// <summary>
    /// Registers the one <see cref="NpgsqlDataSource"/> of the process, applies the schema migrations before anything
    /// else starts (a hosted service registered first runs first, before Kestrel or any background server), and adds
    /// a readiness check that the database answers.
    /// </summary>
    public static IHostApplicationBuilder AddComplaintStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>()
            .Bind(builder.Configuration.GetSection("Storage"))
            .Configure(o => o.ConnectionString = builder.Configuration.GetConnectionString("Complaints") ?? o.ConnectionString)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var connectionString = builder.Configuration.GetConnectionString("Complaints") ?? "";
        // Columns are snake_case, C# properties PascalCase.
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        builder.Services.AddSingleton(_ => DataSource(connectionString));
        builder.Services.AddHostedService<SchemaMigrationService>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return builder;
    }

    /// <summary>
    /// The process's one data source. Statements are prepared automatically (Npgsql auto-prepare) unless the connection
    /// string says otherwise: the same few statements run for every submit and step, and a prepared statement skips
    /// PostgreSQL's parse and plan each time.
    /// </summary>
    public static NpgsqlDataSource DataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString) { Name = "complaints" };
        // The keys as written (NpgsqlConnectionStringBuilder.ContainsKey answers for every keyword it knows, set or not).
        var written = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!written.ContainsKey("Max Auto Prepare") && !written.ContainsKey("MaxAutoPrepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 200;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }
        return builder.Build();
    }

    /// <summary>Hangfire's job storage in the same PostgreSQL database (schema "hangfire", created by Hangfire.PostgreSql).
    /// Both hosts use it: the worker runs the Hangfire server, the server shows the dashboard.</summary>
    public static IHostApplicationBuilder AddHangfireStorage(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Storage").Get<StorageOptions>() ?? new StorageOptions();
        var connectionString = builder.Configuration.GetConnectionString("Complaints") ?? "";
        // Our own JobStorage singleton, registered before AddHangfire (which only TryAdds one read from the static
        // JobStorage.Current): every Hangfire component of this host then uses this instance, even when several
        // hosts share a process, as they do in tests.
        builder.Services.AddSingleton<JobStorage>(_ => new PostgreSqlStorage(
            new NpgsqlConnectionFactory(connectionString, new PostgreSqlStorageOptions()),
            new PostgreSqlStorageOptions
            {
                SchemaName = "hangfire",
                QueuePollInterval = options.QueuePollInterval,
                InvisibilityTimeout = options.InvisibilityTimeout,
                // Renewed by the storage's heartbeat process, which runs inside each Hangfire server (the worker).
                UseSlidingInvisibilityTimeout = true,
                PrepareSchemaIfNecessary = true,
            }));
        builder.Services.AddHangfire((services, cfg) => cfg
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(services.GetRequiredService<JobStorage>()));
        return builder;
    }
}
