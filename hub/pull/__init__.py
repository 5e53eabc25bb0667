"""What pull outlets (LED screens, the app's splash, websites) share: a store for reaching the
hub's database outside a request, lean one-statement reads, ETag answers given before Flask
when they can be, and idempotent batches of device reports.

Adapters may not import each other; what two of them need alike lives here.
"""
