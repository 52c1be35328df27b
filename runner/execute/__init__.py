"""Running a plan: the scheduler loop (`executor`), what one attempt of a job
sees (`context`), the process boundary (`process`) and job environments
(`environ`)."""
