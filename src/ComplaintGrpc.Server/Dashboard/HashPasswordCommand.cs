using System.Text;
using Microsoft.AspNetCore.Identity;

namespace ComplaintGrpc.Server.Dashboard;

/// <summary>
/// <c>dotnet ComplaintGrpc.Server.dll hash-password</c>: reads one password from standard input (without echo when it
/// is a terminal) and prints its ASP.NET Core Identity v3 hash, the value for <c>Dashboard:Accounts:N:PasswordHash</c>.
/// </summary>
public static class HashPasswordCommand
{
    public static int Run()
    {
        if (!Console.IsInputRedirected)
            Console.Error.Write("Password: ");
        var password = Console.IsInputRedirected ? Console.In.ReadLine() : ReadWithoutEcho();
        return Run(password, Console.Out, Console.Error);
    }

    public static int Run(string? password, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (string.IsNullOrEmpty(password))
        {
            error.WriteLine("hash-password: no password on standard input (usage: echo -n SECRET | dotnet ComplaintGrpc.Server.dll hash-password)");
            return 2;
        }
        if (password.Length > DashboardAccounts.MaxPasswordLength)
        {
            error.WriteLine($"hash-password: a password longer than {DashboardAccounts.MaxPasswordLength} characters is refused at sign-in");
            return 2;
        }
        output.WriteLine(new PasswordHasher<DashboardAccount>().HashPassword(new DashboardAccount(), password));
        return 0;
    }

    private static string ReadWithoutEcho()
    {
        var password = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
                break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                    password.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }
        Console.Error.WriteLine();
        return password.ToString();
    }
}
