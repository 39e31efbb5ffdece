FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY workflows workflows
COPY activities activities
COPY workers workers
COPY starter starter
COPY devstack devstack
RUN pip install --no-cache-dir .
USER nobody
EXPOSE 8000 9464
CMD ["python", "-m", "workers"]
