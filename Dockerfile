# songsim dashboard: docker build -t songsim . && docker run -p 8501:8501 -v songsim-cache:/data songsim
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    SONGSIM_CACHE=/data SONGSIM_INGEST_ROOTS=/music

RUN useradd --create-home --uid 1000 songsim \
 && mkdir -p /data /music /app && chown songsim:songsim /data /music /app

WORKDIR /app
COPY requirements.txt .
# torch==2.13.0 from the CPU wheel index keeps the image free of CUDA libraries.
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt

COPY --chown=songsim:songsim . .
USER songsim

VOLUME ["/data"]
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"

CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0"]
