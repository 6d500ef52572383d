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
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ClientError::Failed(format!("reading the node's answer failed: {e}")))?;
        if status.is_success() {
            serde_json::from_slice(&bytes)
                .map_err(|e| ClientError::Failed(format!("unexpected answer from the node: {e}")))
        } else {
            let detail = serde_json::from_slice::<ErrorBody>(&bytes)
                .map(|b| b.error)
                .unwrap_or_else(|_| ErrorDetail {
                    code: "http".into(),
                    message: format!("the node answered {status}"),
                    field: None,
                });
            Err(ClientError::Refused { status, detail })
        }
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

    /// PATCH a body.
    pub async fn patch<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.call(Method::PATCH, path, Some(body)).await
    }
}
