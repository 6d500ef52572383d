//! The CLI's side of the HTTP API: finds the running node through the address it recorded in the
//! data directory and turns API errors into messages and exit codes.

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;

use crate::api::{ErrorBody, ErrorDetail};
use crate::config::DataDir;

/// Why a command could not be carried out.
#[derive(Debug, Error)]
pub enum ClientError {
    /// No node answers for this data directory.
    #[error(
        "no Common Ground node is running for data directory {data_dir}\nstart it with: commonground up --data-dir {data_dir}"
    )]
    NotRunning {
        /// The data directory.
        data_dir: String,
    },
    /// The node refused the request.
    #[error("{}", .detail.message)]
    Refused {
        /// The HTTP status.
        status: StatusCode,
        /// The node's explanation.
        detail: ErrorDetail,
    },
    /// Anything else.
    #[error("{0}")]
    Failed(String),
}

impl ClientError {
    /// The process exit code: 2 for input the node refused, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Refused { status, .. } if status.is_client_error() => 2,
            _ => 1,
        }
    }
}

/// A client of one running node.
pub struct Client {
    base: String,
    http: reqwest::Client,
    data_dir: String,
}

impl Client {
    /// The client of the node running on `data_dir`.
    pub fn for_data_dir(data_dir: &DataDir) -> Result<Self, ClientError> {
        let shown = data_dir.path().display().to_string();
        let addr = data_dir
            .read_api_addr()
            .ok_or_else(|| ClientError::NotRunning {
                data_dir: shown.clone(),
            })?;
        Ok(Self {
            base: format!("http://{addr}/api/v1"),
            http: reqwest::Client::new(),
            data_dir: shown,
        })
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = self.send(req).await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ClientError::Failed(format!("reading the node's answer failed: {e}")))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Failed(format!("unexpected answer from the node: {e}")))
    }

    /// GET a resource.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.call::<(), T>(Method::GET, path, None).await
    }

    /// POST a body.
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.call(Method::POST, path, Some(body)).await
    }

    /// PUT a body.
    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.call(Method::PUT, path, Some(body)).await
    }

    /// DELETE a resource.
    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.call::<(), T>(Method::DELETE, path, None).await
    }

    /// Sends a request and returns the successful response, or the node's refusal.
    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, ClientError> {
        let resp = req.send().await.map_err(|e| {
            if e.is_connect() {
                ClientError::NotRunning {
                    data_dir: self.data_dir.clone(),
                }
            } else {
                ClientError::Failed(format!("request to the node failed: {e}"))
            }
        })?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let bytes = resp.bytes().await.unwrap_or_default();
        Err(refusal(status, &bytes))
    }

    /// POSTs nothing and returns the raw bytes of the answer (for downloads such as bundles).
    pub async fn post_for_bytes(&self, path: &str) -> Result<Vec<u8>, ClientError> {
        let resp = self
            .send(self.http.post(format!("{}{path}", self.base)))
            .await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ClientError::Failed(format!("reading the node's answer failed: {e}")))?;
        Ok(bytes.to_vec())
    }

    /// POSTs raw bytes and hands each line of a newline-delimited JSON answer to `line` as it
    /// arrives (for long work that reports progress).
    pub async fn post_streaming<T: DeserializeOwned>(
        &self,
        path: &str,
        body: impl Into<reqwest::Body>,
        mut line: impl FnMut(T),
    ) -> Result<(), ClientError> {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(body);
        let mut resp = self.send(req).await?;
        let mut pending: Vec<u8> = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| ClientError::Failed(format!("reading the node's answer failed: {e}")))?
        {
            pending.extend_from_slice(&chunk);
            while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                let text: Vec<u8> = pending.drain(..=end).collect();
                let value = serde_json::from_slice(&text).map_err(|e| {
                    ClientError::Failed(format!("unexpected answer from the node: {e}"))
                })?;
                line(value);
            }
        }
        Ok(())
    }

    /// PATCH a body.
    pub async fn patch<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.call(Method::PATCH, path, Some(body)).await
    }
}

/// The node's refusal, from an error answer's body.
fn refusal(status: StatusCode, bytes: &[u8]) -> ClientError {
    let detail = serde_json::from_slice::<ErrorBody>(bytes)
        .map(|b| b.error)
        .unwrap_or_else(|_| ErrorDetail {
            code: "http".into(),
            message: format!("the node answered {status}"),
            field: None,
        });
    ClientError::Refused { status, detail }
}
