"""Write a small, made-up bank-marketing CSV for the browser tests' pipeline.

Usage: python bankdata.py TRAIN.csv CURRENT.csv

TRAIN.csv (2,400 rows, 2008-05 to 2010-04) is what `weir pipeline init` and
`weir pipeline run` read; CURRENT.csv (600 later rows) is what
`weir monitor report --current` scores. The columns are shaped like UCI's
bank-full.csv (long category names such as "self-employed", balances in the
tens of thousands, a call duration that leaks the target) so the reports'
charts meet what real data gives them; a year column gives the monitoring
replay periods coarser than a day. Standard library only, fixed seed:
the same bytes every run.
"""
import datetime
import random
import sys

JOBS = ["admin.", "blue-collar", "entrepreneur", "housemaid", "management", "retired",
        "self-employed", "services", "student", "technician", "unemployed", "unknown"]
MARITAL = ["married", "single", "divorced"]
EDUCATION = ["primary", "secondary", "tertiary", "unknown"]
CONTACT = ["cellular", "telephone", "unknown"]
POUTCOME = ["failure", "other", "success", "unknown"]


def rows(n, start, rng):
    """n rows from date start on, a few a day; the positive rate rises with time."""
    day = start
    for i in range(n):
        if rng.random() < 0.35:
            day += datetime.timedelta(days=1)
        job = rng.choice(JOBS)
        age = max(18, min(95, int(rng.gauss(41, 11)) + (25 if job == "retired" else 0) - (15 if job == "student" else 0)))
        balance = int(rng.lognormvariate(6.5, 1.6)) - 300
        contact = rng.choices(CONTACT, weights=[6, 1, 3] if day.year < 2009 else [8, 1, 1])[0]
        campaign = 1 + int(rng.expovariate(0.5))
        never = rng.random() < 0.8
        pdays = -1 if never else rng.randint(1, 400)
        poutcome = "unknown" if never else rng.choice(POUTCOME[:3])
        years = (day - datetime.date(2008, 5, 1)).days / 365
        score = (-2.6 + 0.8 * years + 1.8 * (poutcome == "success") + 0.6 * (contact == "cellular")
                 - 0.15 * campaign + 0.5 * (job in ("student", "retired")) + 0.00002 * balance)
        y = rng.random() < 1 / (1 + pow(2.718281828, -score))
        duration = int(rng.expovariate(1 / (420 if y else 200))) + 5
        yield [day.isoformat(), day.year, age, job, rng.choice(MARITAL), rng.choice(EDUCATION), balance, contact,
               campaign, pdays, poutcome, duration, "yes" if y else "no"]


def write(path, body):
    with open(path, "w") as f:
        f.write("date,year,age,job,marital,education,balance,contact,campaign,pdays,poutcome,duration,y\n")
        for r in body:
            f.write(",".join(str(v) for v in r) + "\n")


def main(train, current):
    rng = random.Random(16)
    body = list(rows(3000, datetime.date(2008, 5, 5), rng))
    write(train, body[:2400])
    write(current, body[2400:])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
