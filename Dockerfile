FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY accounts accounts
COPY storage storage
COPY commerce commerce
COPY sales sales
COPY activities activities
COPY workflows workflows
COPY plumbing plumbing
COPY workers workers
COPY starter starter
COPY devstack devstack
RUN pip install --no-cache-dir .
USER nobody
EXPOSE 8000 9464
CMD ["python", "-m", "workers"]
