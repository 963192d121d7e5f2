using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using ServerlessAuth.Functions;

FunctionsApplication.CreateBuilder(args).ConfigureServerlessAuth().Build().Run();
